-- Every write-off request is classed against the BMAF in force on 1 January of its year (seed 004):
-- the barème seed must cover that date. A returned row is a year of requests before the barème's
-- first date (issue 12: requests of 2012 to early 2014 were classed against the 2014-04 BMAF).
select
    {{ partie_date('year', 'remises.date_demande') }} as annee,
    count(*) as nb_demandes
from {{ ref('stg_extractions__remises_dettes') }} as remises
where cast({{ dbt.date_trunc('year', 'remises.date_demande') }} as date)
    < (select min(date_debut) from {{ ref('dim_bareme_asf') }})
group by {{ partie_date('year', 'remises.date_demande') }}
