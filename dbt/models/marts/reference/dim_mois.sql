-- Month calendar, built with dbt's cross-database date_spine (bounds: vars calendrier_debut / _fin).
with spine as (

    {{ dbt.date_spine(
        'month',
        "cast('" ~ var('calendrier_debut') ~ "' as date)",
        "cast('" ~ var('calendrier_fin') ~ "' as date)"
    ) }}

)

select
    cast(date_month as date) as mois,
    cast(extract(year from date_month) as integer) as annee,
    cast(extract(month from date_month) as integer) as numero_mois
from spine
