-- Each recovery procedure engaged once payments extracts exist, with its first payment's value
-- date and the delay in days (null while nothing has been paid). An earlier procedure's first
-- payment may predate the extracts: it is left out. Intermediation (IF) is not a recovery.
with premiers_versements as (

    select procedure_id, min(date_valeur) as date_premier_versement
    from {{ ref('stg_extractions__versements') }}
    group by procedure_id

),

debut_extractions as (

    select min(mois_extraction) as mois from {{ ref('stg_extractions__versements') }}

)

select
    p.procedure_id,
    p.cle_debiteur,
    p.code_caf_gestionnaire,
    p.code_caf_residence,
    p.code_departement,
    p.code_region,
    p.code_procedure,
    p.date_engagement,
    {{ debut_du_mois('p.date_engagement') }} as mois_engagement,
    {{ partie_date('year', 'p.date_engagement') }} as annee_engagement,
    v.date_premier_versement,
    {{ dbt.datediff('p.date_engagement', 'v.date_premier_versement', 'day') }} as delai_jours
from {{ ref('int_procedures') }} as p
left join premiers_versements as v on p.procedure_id = v.procedure_id
where p.stade <> 'SIM'
    and p.est_recouvrement
    and p.date_engagement >= (select mois from debut_extractions)
