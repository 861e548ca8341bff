-- Prévention de la prescription (004): créances still being recovered at the latest photograph, and
-- those whose prescription date falls within 6 or 12 months of it (or has passed), by count and
-- balance.
{%- set niveaux = niveaux_caf_unique() %}

with creances as (

    select
        *,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'mois_extraction')) }} as date) as date_photographie
    from {{ ref('int_creances') }}
    where etat = 'E' and solde > 0

),

agreges as (

    {{ agreger_par_niveau('creances', niveaux, {'mois_extraction': 'mois_extraction', 'famille': 'famille'}, {
        'nb_creances_en_cours': 'count(*)',
        'solde_en_cours': 'sum(solde)',
        'nb_prescrites': 'sum(case when date_prescription <= date_photographie then 1 else 0 end)',
        'solde_prescrit': 'sum(case when date_prescription <= date_photographie then solde else 0 end)',
        'nb_prescription_6_mois': "sum(case when date_prescription > date_photographie and date_prescription <= cast(" ~ dbt.dateadd('month', 6, 'date_photographie') ~ " as date) then 1 else 0 end)",
        'solde_prescription_6_mois': "sum(case when date_prescription > date_photographie and date_prescription <= cast(" ~ dbt.dateadd('month', 6, 'date_photographie') ~ " as date) then solde else 0 end)",
        'nb_prescription_12_mois': "sum(case when date_prescription > date_photographie and date_prescription <= cast(" ~ dbt.dateadd('month', 12, 'date_photographie') ~ " as date) then 1 else 0 end)",
        'solde_prescription_12_mois': "sum(case when date_prescription > date_photographie and date_prescription <= cast(" ~ dbt.dateadd('month', 12, 'date_photographie') ~ " as date) then solde else 0 end)",
        'nb_debiteurs': 'count(distinct cle_allocataire)',
    }) }}

),

-- Secrecy: cells of fewer than the threshold's debtors, and their complements over the zones.
{{ secret_statistique('agreges', niveaux, ['mois_extraction', 'famille'], comptage='nb_debiteurs', valeur='solde_en_cours') }}

select
    agreges.niveau,
    agreges.type_zone,
    agreges.code_zone,
    agreges.libelle_zone,
    agreges.mois_extraction as mois_photographie,
    agreges.famille,
    cast(agreges.nb_creances_en_cours as bigint) as nb_creances_en_cours,
    cast(agreges.solde_en_cours as decimal(18, 2)) as solde_en_cours,
    cast(agreges.nb_prescrites as bigint) as nb_prescrites,
    cast(agreges.solde_prescrit as decimal(18, 2)) as solde_prescrit,
    cast(agreges.nb_prescription_6_mois as bigint) as nb_prescription_6_mois,
    cast(agreges.solde_prescription_6_mois as decimal(18, 2)) as solde_prescription_6_mois,
    cast(agreges.nb_prescription_12_mois as bigint) as nb_prescription_12_mois,
    cast(agreges.solde_prescription_12_mois as decimal(18, 2)) as solde_prescription_12_mois,
    cast(agreges.nb_debiteurs as bigint) as nb_debiteurs,
    agreges.est_diffusable,
    agreges.motif_secret
from secret as agreges
