-- Seizures on benefits (seed 002): the stock of seizure procedures at month end and what they
-- recovered (both read from the catalogue's marts, not recomputed), with the month's events:
-- DEFAIL notices, suspensions, seizures stopped and closed on a 4th DEFAIL.
{%- set niveaux = niveaux_procedure() %}

with stock as (

    -- A month's stock sums the seizure cells of procedures_actives_mensuel (one per stage): it is
    -- published only where each of them is.
    select
        niveau, type_zone, code_zone, libelle_zone, mois,
        sum(procedures_actives) as saisies_actives,
        min(case when est_diffusable then 1 else 0 end) = 1 as stock_diffusable
    from {{ ref('procedures_actives_mensuel') }}
    where code_procedure = 'SAISIE'
    group by niveau, type_zone, code_zone, libelle_zone, mois

),

recouvre as (

    select niveau, code_zone, mois, montant_encaisse_total, montant_encaisse_retenue_prestations, est_diffusable
    from {{ ref('taux_recouvrement_flux_mensuel') }}
    where code_procedure = 'SAISIE'

),

evenements as (

    select
        e.*,
        {{ debut_du_mois('e.date_evenement') }} as mois,
        p.code_caf_gestionnaire,
        p.code_caf_residence,
        p.code_departement,
        p.code_region
    from {{ ref('stg_extractions__evenements') }} as e
    inner join {{ ref('int_procedures') }} as p on e.procedure_id = p.procedure_id

),

evenements_agreges as (

    {{ agreger_par_niveau('evenements', niveaux, {'mois': 'mois'}, {
        'nb_defail': "sum(case when type_evenement = 'DEFAIL' then 1 else 0 end)",
        'nb_suspensions': "sum(case when type_evenement = 'SUSPENSION' then 1 else 0 end)",
        'nb_prp_insuffisant': "sum(case when type_evenement = 'PRP_INSUFFISANT' then 1 else 0 end)",
        'nb_arrets': "sum(case when suite = 'ARRET' then 1 else 0 end)",
        'nb_clotures_4e_defail': "sum(case when suite = 'CLOTURE' then 1 else 0 end)",
    }) }}

),

a_proteger as (

    select
        stock.*,
        recouvre.montant_encaisse_total,
        recouvre.montant_encaisse_retenue_prestations,
        evenements_agreges.nb_defail,
        evenements_agreges.nb_suspensions,
        evenements_agreges.nb_prp_insuffisant,
        evenements_agreges.nb_arrets,
        evenements_agreges.nb_clotures_4e_defail,
        stock.stock_diffusable and coalesce(recouvre.est_diffusable, true) as sources_diffusables
    from stock
    left join recouvre
        on stock.niveau = recouvre.niveau
        and stock.code_zone = recouvre.code_zone
        and stock.mois = recouvre.mois
    left join evenements_agreges
        on stock.niveau = evenements_agreges.niveau
        and stock.code_zone = evenements_agreges.code_zone
        and stock.mois = evenements_agreges.mois

),

-- Secrecy: the stock and what it recovered republish cells of procedures_actives_mensuel (débiteurs
-- per stage) and taux_recouvrement_flux_mensuel: masked where those are (herite); fewer than the
-- threshold's seizures in the stock; then complements over the zones.
{{ secret_statistique('a_proteger', niveaux, ['mois'], comptage='saisies_actives', valeur='saisies_actives',
    herite='not sources_diffusables') }}

select
    stock.niveau,
    stock.type_zone,
    stock.code_zone,
    stock.libelle_zone,
    stock.mois,
    cast(stock.saisies_actives as bigint) as saisies_actives,
    cast(coalesce(stock.montant_encaisse_total, 0) as decimal(18, 2)) as montant_recouvre,
    cast(coalesce(stock.montant_encaisse_retenue_prestations, 0) as decimal(18, 2))
        as montant_recouvre_retenue_prestations,
    cast(coalesce(stock.nb_defail, 0) as bigint) as nb_defail,
    cast(coalesce(stock.nb_suspensions, 0) as bigint) as nb_suspensions,
    cast(coalesce(stock.nb_prp_insuffisant, 0) as bigint) as nb_prp_insuffisant,
    cast(coalesce(stock.nb_arrets, 0) as bigint) as nb_arrets,
    cast(coalesce(stock.nb_clotures_4e_defail, 0) as bigint) as nb_clotures_4e_defail,
    stock.est_diffusable,
    stock.motif_secret
from secret as stock
