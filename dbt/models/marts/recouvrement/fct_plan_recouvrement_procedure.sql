-- The recovery plan of each procedure as NSF's "Plan de recouvrement" screen shows it (seed 002):
-- per component (TC, ASFR, Arr. PA, FJ, FG, total), the amounts expected over the plan's months
-- received so far, the amounts collected, and the real balance (expected - collected). The expected
-- total is computed here from the five components (macro somme_composantes), the collected total is
-- what the payments amounted to.
{%- set composantes = composantes_plan() %}

with recouvrement as (

    select * from {{ ref('int_recouvrement_procedure_mois') }}

),

procedures as (

    select procedure_id, code_caf_gestionnaire, code_caf_residence, code_procedure
    from {{ ref('int_procedures') }}

),

par_procedure as (

    select
        procedure_id,
        min(mois) as premier_mois,
        max(mois) as dernier_mois,
        {%- for c in composantes %}
        sum(attendu_{{ c }}) as attendu_{{ c }},
        sum(encaisse_{{ c }}) as encaisse_{{ c }},
        {%- endfor %}
        {{ somme_composantes('attendu', 'sum') }} as attendu_total,
        sum(encaisse_total) as encaisse_total
    from recouvrement
    group by procedure_id

)

select
    par_procedure.procedure_id,
    procedures.code_caf_gestionnaire,
    procedures.code_caf_residence,
    procedures.code_procedure,
    par_procedure.premier_mois,
    par_procedure.dernier_mois,
    {%- for c in composantes + ['total'] %}
    cast(par_procedure.attendu_{{ c }} as decimal(18, 2)) as attendu_{{ c }},
    cast(par_procedure.encaisse_{{ c }} as decimal(18, 2)) as encaisse_{{ c }},
    cast(par_procedure.attendu_{{ c }} - par_procedure.encaisse_{{ c }} as decimal(18, 2)) as solde_{{ c }}{{ ',' if not loop.last }}
    {%- endfor %}
from par_procedure
left join procedures on par_procedure.procedure_id = procedures.procedure_id
