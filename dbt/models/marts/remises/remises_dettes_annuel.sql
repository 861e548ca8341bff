-- Remises de dettes (004): requests and decisions by outcome, amounts and rate written off, by
-- deciding body, threshold, responsibility and QF bracket, per year of request, at every level.
{%- set niveaux = niveaux_caf_unique() %}

with remises as (

    select * from {{ ref('int_remises_dettes') }}

),

agreges as (

    {{ agreger_par_niveau('remises', niveaux, {
        'annee': 'annee', 'instance': 'instance', 'position_seuil': 'position_seuil',
        'responsabilite': 'responsabilite', 'tranche_qf': 'tranche_qf'}, {
        'nb_demandes': 'count(*)',
        'nb_remises_totales': "sum(case when decision = 'TOTALE' then 1 else 0 end)",
        'nb_remises_partielles': "sum(case when decision = 'PARTIELLE' then 1 else 0 end)",
        'nb_refus': "sum(case when decision = 'REFUS' then 1 else 0 end)",
        'nb_en_attente': "sum(case when decision = 'ATTENTE' then 1 else 0 end)",
        'montant_demande_decide': "sum(case when decision <> 'ATTENTE' then montant_demande else 0 end)",
        'montant_remis': 'sum(montant_remis)',
    }) }}

),

-- Secrecy: cells of fewer than the threshold's requests (each one debtor's), and their complements
-- over the zones (the strata have no total row here).
{{ secret_statistique('agreges', niveaux, ['annee', 'instance', 'position_seuil', 'responsabilite', 'tranche_qf'],
    comptage='nb_demandes', valeur='montant_demande_decide') }}

select
    agreges.niveau,
    agreges.type_zone,
    agreges.code_zone,
    agreges.libelle_zone,
    cast(agreges.annee as integer) as annee,
    agreges.instance,
    agreges.position_seuil,
    agreges.responsabilite,
    agreges.tranche_qf,
    cast(agreges.nb_demandes as bigint) as nb_demandes,
    cast(agreges.nb_remises_totales as bigint) as nb_remises_totales,
    cast(agreges.nb_remises_partielles as bigint) as nb_remises_partielles,
    cast(agreges.nb_refus as bigint) as nb_refus,
    cast(agreges.nb_en_attente as bigint) as nb_en_attente,
    cast(agreges.montant_demande_decide as decimal(18, 2)) as montant_demande_decide,
    cast(agreges.montant_remis as decimal(18, 2)) as montant_remis,
    {{ rapport('agreges.montant_remis', 'agreges.montant_demande_decide') }} as taux_remise,
    agreges.est_diffusable,
    agreges.motif_secret
from secret as agreges
