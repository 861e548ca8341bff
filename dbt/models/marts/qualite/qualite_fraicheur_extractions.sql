-- Freshness: which months each extract covers (files currently loaded), the last load, and how
-- many months its latest file lags behind the calendar's last month (marts.dim_mois).
with charges as (

    select * from {{ ref('stg_chargement__manifeste') }}
    where statut = 'chargé'

),

calendrier as (

    select max(mois) as dernier_mois_calendrier from {{ ref('dim_mois') }}

),

par_extraction as (

    select
        extraction,
        count(*) as nb_fichiers_charges,
        min(mois_couvert) as premier_mois_couvert,
        max(mois_couvert) as dernier_mois_couvert,
        max(charge_le) as dernier_chargement
    from charges
    group by extraction

)

select
    par_extraction.extraction,
    cast(par_extraction.nb_fichiers_charges as integer) as nb_fichiers_charges,
    cast(par_extraction.premier_mois_couvert as date) as premier_mois_couvert,
    cast(par_extraction.dernier_mois_couvert as date) as dernier_mois_couvert,
    cast(calendrier.dernier_mois_calendrier as date) as dernier_mois_calendrier,
    cast({{ dbt.datediff('par_extraction.dernier_mois_couvert', 'calendrier.dernier_mois_calendrier', 'month') }}
        as integer) as retard_mois,
    par_extraction.dernier_chargement
from par_extraction
cross join calendrier
