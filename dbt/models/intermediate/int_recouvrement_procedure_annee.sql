-- Expected and collected amounts per procedure and calendar year, from the monthly recovery plan:
-- the unit of the arrears measure and of the fair comparison of Cafs. Months without a payments
-- extract are left out (nothing collected there would mean "no file").
with mois_couverts as (

    select distinct mois_extraction as mois from {{ ref('stg_extractions__versements') }}

),

recouvrement as (

    select * from {{ ref('int_recouvrement_procedure_mois') }}
    where mois in (select mois from mois_couverts)

)

select
    procedure_id,
    {{ partie_date('year', 'mois') }} as annee,
    count(*) as nb_mois,
    sum(attendu_tc) as attendu_tc,
    sum(encaisse_tc) as encaisse_tc,
    sum(attendu_arrieres_pa) as attendu_arrieres_pa,
    sum(encaisse_arrieres_pa) as encaisse_arrieres_pa
from recouvrement
group by procedure_id, {{ partie_date('year', 'mois') }}
