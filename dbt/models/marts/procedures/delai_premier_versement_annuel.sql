-- Time from engagement to the first payment (days), median and 90th percentile, by year of
-- engagement and procedure type (with an ENSEMBLE row: quantiles do not add up), at every level.
{%- set niveaux = ['national', 'caf_gestionnaire', 'caf_residence', 'departement', 'region'] %}
{%- set mesures = {
    'nb_engagees': 'count(*)',
    'nb_avec_versement': 'count(delai_jours)',
    'delai_median_jours': quantile('delai_jours', 0.5),
    'delai_p90_jours': quantile('delai_jours', 0.9),
} %}

with premiers_versements as (

    select procedure_id, min(date_valeur) as date_premier_versement
    from {{ ref('stg_extractions__versements') }}
    group by procedure_id

),

debut_extractions as (

    select min(mois_extraction) as mois from {{ ref('stg_extractions__versements') }}

),

procedures as (

    -- Engaged once payments extracts exist: an earlier procedure's first payment may predate them.
    -- Intermediation (IF) is not a recovery.
    select
        p.*,
        {{ partie_date('year', 'p.date_engagement') }} as annee_engagement,
        {{ dbt.datediff('p.date_engagement', 'v.date_premier_versement', 'day') }} as delai_jours
    from {{ ref('int_procedures') }} as p
    left join premiers_versements as v on p.procedure_id = v.procedure_id
    where p.stade <> 'SIM'
        and p.code_procedure <> 'IF'
        and p.date_engagement >= (select mois from debut_extractions)

),

agreges as (

    {{ agreger_par_niveau('procedures', niveaux,
        {'annee_engagement': 'annee_engagement', 'code_procedure': 'code_procedure'}, mesures) }}

    union all

    {{ agreger_par_niveau('procedures', niveaux,
        {'annee_engagement': 'annee_engagement', 'code_procedure': "'ENSEMBLE'"}, mesures) }}

)

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
    agreges.nb_avec_versement >= {{ var('seuil_secret_statistique') }} as est_diffusable
from agreges
