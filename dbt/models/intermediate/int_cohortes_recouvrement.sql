-- Recovery procedures by cohort (the year they were engaged), with what was due and collected over
-- their first 1, 3, 6, 12 and 24 months of life: the base of the recovery curves
-- (courbes_recouvrement_cohortes, by procedure type; courbes_recouvrement_cohortes_statut, by the
-- débiteur's benefits). One row per procedure; `indice_dernier_mois` is the calendar's last month
-- (year x 12 + month - 1), to tell which horizons a cohort has reached.
{%- set horizons = [1, 3, 6, 12, 24] %}

with calendrier as (

    -- The last month as an index (year x 12 + month - 1): a horizon is reached when the cohort's
    -- December has lived that many months within the extracts.
    select
        min(mois) as premier_mois,
        max({{ partie_date('year', 'mois') }} * 12 + {{ partie_date('month', 'mois') }} - 1) as indice_dernier_mois
    from {{ ref('dim_mois') }}

),

cohortes as (

    -- A procedure engaged before the first month of the extracts has no plan for its first months:
    -- its cohort would start part-way, so it is left out (not counted as a lower curve).
    select
        p.procedure_id,
        p.cle_debiteur,
        p.code_caf_gestionnaire,
        p.code_caf_residence,
        p.code_departement,
        p.code_region,
        p.code_procedure,
        coalesce(p.statut_debiteur, 'inconnu') as statut_debiteur,
        {{ debut_du_mois('p.date_engagement') }} as mois_engagement,
        cast({{ partie_date('year', 'p.date_engagement') }} as integer) as annee_cohorte
    from {{ ref('int_procedures') }} as p
    cross join calendrier
    where p.est_recouvrement
        and {{ debut_du_mois('p.date_engagement') }} >= calendrier.premier_mois

),

mois_de_vie as (

    -- Month of life of each plan line: 0 in the engagement month.
    select
        r.procedure_id,
        {{ dbt.datediff('c.mois_engagement', 'r.mois', 'month') }} as rang_mois,
        r.attendu_total,
        r.encaisse_total
    from {{ ref('int_recouvrement_procedure_mois') }} as r
    inner join cohortes as c on r.procedure_id = c.procedure_id

),

par_procedure as (

    select
        c.procedure_id,
        {%- for h in horizons %}
        coalesce(sum(case when m.rang_mois < {{ h }} then m.attendu_total end), 0) as attendu_{{ h }}_mois,
        coalesce(sum(case when m.rang_mois < {{ h }} then m.encaisse_total end), 0) as encaisse_{{ h }}_mois{{ ',' if not loop.last }}
        {%- endfor %}
    from cohortes as c
    left join mois_de_vie as m on c.procedure_id = m.procedure_id
    group by c.procedure_id

),

dossiers as (

    select c.*, {% for h in horizons %}pp.attendu_{{ h }}_mois, pp.encaisse_{{ h }}_mois{{ ', ' if not loop.last }}{% endfor %}
    from cohortes as c
    inner join par_procedure as pp on c.procedure_id = pp.procedure_id

)

select dossiers.*, calendrier.indice_dernier_mois
from dossiers
cross join calendrier
