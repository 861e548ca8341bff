-- Reconciliation (issue 12): the expected total of the plan is the sum of its five components (TC,
-- ASFR, Arr. PA, FJ, FG; seed 002) as the plan extract gives them, for every procedure and month
-- (int_recouvrement_procedure_mois) and for every procedure's plan (fct_plan_recouvrement_procedure).
-- Written here without the models' macro, from the staged extract. A returned row is a procedure
-- (and month) where the two differ by more than half a cent.
with extrait as (

    select
        procedure_id,
        mois,
        sum(attendu_tc) + sum(attendu_asfr) + sum(attendu_arrieres_pa) + sum(attendu_fj) + sum(attendu_fg)
            as total_composantes
    from {{ ref('stg_extractions__plan_recouvrement') }}
    group by procedure_id, mois

),

par_mois as (

    select
        'procedure_mois' as grain,
        coalesce(r.procedure_id, e.procedure_id) as procedure_id,
        coalesce(r.mois, e.mois) as mois,
        r.attendu_total,
        e.total_composantes
    from {{ ref('int_recouvrement_procedure_mois') }} as r
    full outer join extrait as e on r.procedure_id = e.procedure_id and r.mois = e.mois
    where abs(coalesce(r.attendu_total, 0) - coalesce(e.total_composantes, 0)) > 0.005

),

par_procedure as (

    select
        'procedure' as grain,
        f.procedure_id,
        cast(null as date) as mois,
        f.attendu_total,
        e.total_composantes
    from {{ ref('fct_plan_recouvrement_procedure') }} as f
    left join (
        select procedure_id, sum(total_composantes) as total_composantes from extrait group by procedure_id
    ) as e on f.procedure_id = e.procedure_id
    where abs(f.attendu_total - coalesce(e.total_composantes, 0)) > 0.005

)

select * from par_mois
union all
select * from par_procedure
