-- The one month calendar of every monthly mart: the months the loaded extracts cover, from the
-- first month a loaded file covers to the last (raw.manifeste), within the bounds of the vars
-- calendrier_debut / calendrier_fin. Built with dbt's cross-database date_spine.
with spine as (

    {{ dbt.date_spine(
        'month',
        "cast('" ~ var('calendrier_debut') ~ "' as date)",
        "cast('" ~ var('calendrier_fin') ~ "' as date)"
    ) }}

),

couverts as (

    -- A refused file loaded nothing: it does not extend the calendar.
    select min(periode) as premier_mois, max(periode) as dernier_mois
    from {{ source('chargement', 'manifeste') }}
    where statut in ('chargé', 'remplacé')

)

select
    cast(date_month as date) as mois,
    cast(extract(year from date_month) as integer) as annee,
    cast(extract(month from date_month) as integer) as numero_mois
from spine
where cast(date_month as date) >= (select premier_mois from couverts)
    and cast(date_month as date) <= (select dernier_mois from couverts)
