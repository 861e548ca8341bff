-- Time from engagement to the first payment (days), median and 90th percentile, by year of
-- engagement and procedure type (with an ENSEMBLE row: quantiles do not add up), at every level.
{%- set niveaux = niveaux_procedure() %}
{%- set mesures = {
    'nb_engagees': 'count(*)',
    'nb_avec_versement': 'count(delai_jours)',
    'nb_debiteurs_avec_versement': 'count(distinct case when delai_jours is not null then cle_debiteur end)',
    'delai_median_jours': quantile('delai_jours', 0.5),
    'delai_p90_jours': quantile('delai_jours', 0.9),
} %}

with procedures as (

    select * from {{ ref('int_delai_premier_versement') }}

),

agreges as (

    {{ agreger_par_niveau('procedures', niveaux,
        {'annee_engagement': 'annee_engagement', 'code_procedure': 'code_procedure'}, mesures) }}

    union all

    {{ agreger_par_niveau('procedures', niveaux,
        {'annee_engagement': 'annee_engagement', 'code_procedure': "'ENSEMBLE'"}, mesures) }}

),

-- Secrecy: the delays describe the débiteurs paid: cells of fewer than the threshold's, and their
-- complements over the zones and over the types within ENSEMBLE (the counts add up).
{{ secret_statistique('agreges', niveaux, ['annee_engagement', 'code_procedure'],
    comptage='nb_debiteurs_avec_versement', valeur='nb_engagees', totaux=['code_procedure']) }}

select
    agreges.niveau,
    agreges.type_zone,
    agreges.code_zone,
    agreges.libelle_zone,
    cast(agreges.annee_engagement as integer) as annee_engagement,
    agreges.code_procedure,
    cast(agreges.nb_engagees as bigint) as nb_engagees,
    cast(agreges.nb_avec_versement as bigint) as nb_avec_versement,
    cast(agreges.delai_median_jours as double) as delai_median_jours,
    cast(agreges.delai_p90_jours as double) as delai_p90_jours,
    cast(agreges.nb_debiteurs_avec_versement as bigint) as nb_debiteurs_avec_versement,
    agreges.est_diffusable,
    agreges.motif_secret
from secret as agreges
