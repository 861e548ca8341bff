-- Taux de recouvrement réel ou financier (004): recovered in the year / (stock at 1 January + debts
-- created in the year), for ARIPA créances and for the Caf's overpayments (indus). Definition in
-- the YAML beside it.
{%- set niveaux = niveaux_caf_unique() %}

with creances as (

    select * from {{ ref('int_creances') }}

),

mouvements as (

    select * from {{ ref('int_mouvements_creances') }}

),

annees_couvertes as (

    -- Years whose twelve months of movements were all received.
    select {{ partie_date('year', 'mois_extraction') }} as annee
    from (select distinct mois_extraction from {{ ref('stg_extractions__mouvements_creances') }}) as m
    group by {{ partie_date('year', 'mois_extraction') }}
    having count(*) = 12

),

cellules as (

    -- Each Caf and family, with the balance of its créances at the latest photograph.
    select code_caf, code_departement, code_region, famille, sum(solde) as solde_actuel
    from creances
    group by code_caf, code_departement, code_region, famille

),

debiteurs_zones as (

    -- The debtors a Caf-family-year describes: those holding a créance implanted by the year's end.
    select
        creances.code_caf, creances.code_departement, creances.code_region, creances.famille,
        annees_couvertes.annee, creances.cle_allocataire
    from creances
    inner join annees_couvertes
        on {{ partie_date('year', 'creances.date_implantation') }} <= annees_couvertes.annee

),

flux_annuels as (

    select
        code_caf,
        famille,
        {{ partie_date('year', 'date_comptable') }} as annee,
        sum(montant_signe) as variation,
        sum(case when operation in ('IC', 'DC') then montant else 0 end) as montant_cree,
        sum(case when operation = 'AD' and motif_mouvement = 'REC' then montant else 0 end) as montant_recouvre
    from mouvements
    group by code_caf, famille, {{ partie_date('year', 'date_comptable') }}

),

par_caf as (

    -- Stock at 1 January, reconstructed backwards from the latest balance: balance now minus every
    -- movement since that date. It holds for créances implanted before the first exported month
    -- too, whose implantation is not in the movements extract.
    select
        cellules.code_caf,
        cellules.code_departement,
        cellules.code_region,
        cellules.famille,
        annees_couvertes.annee,
        cellules.solde_actuel - coalesce((
            select sum(f.variation) from flux_annuels as f
            where f.code_caf = cellules.code_caf
                and f.famille = cellules.famille
                and f.annee >= annees_couvertes.annee
        ), 0) as stock_debut_annee,
        coalesce(flux_annuels.montant_cree, 0) as montant_cree,
        coalesce(flux_annuels.montant_recouvre, 0) as montant_recouvre
    from cellules
    cross join annees_couvertes
    left join flux_annuels
        on cellules.code_caf = flux_annuels.code_caf
        and cellules.famille = flux_annuels.famille
        and annees_couvertes.annee = flux_annuels.annee

),

agreges as (

    {{ agreger_par_niveau('par_caf', niveaux, {'annee': 'annee', 'famille': 'famille'}, {
        'stock_debut_annee': 'sum(stock_debut_annee)',
        'montant_cree': 'sum(montant_cree)',
        'montant_recouvre': 'sum(montant_recouvre)',
    }) }}

),

debiteurs_agreges as (

    {{ agreger_par_niveau('debiteurs_zones', niveaux, {'annee': 'annee', 'famille': 'famille'}, {
        'nb_debiteurs': 'count(distinct cle_allocataire)',
    }) }}

),

mois_masques as (

    -- What was created and recovered in a year is the sum of the months of creances_mouvements_mensuel:
    -- a year is published only where each of its months is.
    select
        niveau,
        code_zone,
        famille,
        {{ partie_date('year', 'mois') }} as annee,
        min(case when est_diffusable then 1 else 0 end) = 1 as mois_diffusables
    from {{ ref('creances_mouvements_mensuel') }}
    group by niveau, code_zone, famille, {{ partie_date('year', 'mois') }}

),

a_proteger as (

    select agreges.*, coalesce(debiteurs_agreges.nb_debiteurs, 0) as nb_debiteurs, mois_masques.mois_diffusables
    from agreges
    left join debiteurs_agreges
        on agreges.niveau = debiteurs_agreges.niveau
        and agreges.code_zone = debiteurs_agreges.code_zone
        and agreges.annee = debiteurs_agreges.annee
        and agreges.famille = debiteurs_agreges.famille
    left join mois_masques
        on agreges.niveau = mois_masques.niveau
        and agreges.code_zone = mois_masques.code_zone
        and agreges.annee = mois_masques.annee
        and agreges.famille = mois_masques.famille

),

-- Secrecy: cells of fewer than the threshold's debtors, years with a masked month, and their
-- complements over the zones.
{{ secret_statistique('a_proteger', niveaux, ['annee', 'famille'], comptage='nb_debiteurs',
    valeur='stock_debut_annee + montant_cree', herite='not mois_diffusables') }}

select
    agreges.niveau,
    agreges.type_zone,
    agreges.code_zone,
    agreges.libelle_zone,
    cast(agreges.annee as integer) as annee,
    agreges.famille,
    cast(agreges.stock_debut_annee as decimal(18, 2)) as stock_debut_annee,
    cast(agreges.montant_cree as decimal(18, 2)) as montant_cree,
    cast(agreges.stock_debut_annee + agreges.montant_cree as decimal(18, 2)) as montant_a_recouvrer,
    cast(agreges.montant_recouvre as decimal(18, 2)) as montant_recouvre,
    {{ rapport('agreges.montant_recouvre', 'agreges.stock_debut_annee + agreges.montant_cree') }}
        as taux_recouvrement_financier,
    cast(agreges.nb_debiteurs as bigint) as nb_debiteurs,
    agreges.est_diffusable,
    agreges.motif_secret
from secret as agreges
