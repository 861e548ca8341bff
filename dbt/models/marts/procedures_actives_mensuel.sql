-- Procédures actives: the month-end stock of procedures, with the month's entries and exits, by
-- month, Caf gestionnaire and procedure type. Definition in the YAML beside it.
with procedures as (

    -- Simulations are not procedures yet (stage SIM): they are never counted.
    select
        code_caf_gestionnaire,
        code_procedure,
        {{ debut_du_mois('date_engagement') }} as mois_entree,
        {{ debut_du_mois('date_cloture') }} as mois_sortie
    from {{ ref('int_procedures') }}
    where stade <> 'SIM'

),

mois as (

    -- Up to the last photograph received: beyond it the stock is unknown, not zero.
    select mois, annee, numero_mois
    from {{ ref('dim_mois') }}
    where mois >= (select min(mois_entree) from procedures)
        and mois <= (select max(mois_extraction) from {{ ref('int_procedures') }})

),

groupes as (

    select distinct code_caf_gestionnaire, code_procedure from procedures

),

-- Active at the end of a month: engaged by then, and not closed by then (a procedure closed
-- during the month has left the stock at its end).
stock as (

    select
        mois.mois,
        procedures.code_caf_gestionnaire,
        procedures.code_procedure,
        count(*) as procedures_actives
    from mois
    inner join procedures
        on procedures.mois_entree <= mois.mois
        and (procedures.mois_sortie is null or procedures.mois_sortie > mois.mois)
    group by mois.mois, procedures.code_caf_gestionnaire, procedures.code_procedure

),

entrees as (

    select mois_entree as mois, code_caf_gestionnaire, code_procedure, count(*) as entrees
    from procedures
    group by mois_entree, code_caf_gestionnaire, code_procedure

),

sorties as (

    select mois_sortie as mois, code_caf_gestionnaire, code_procedure, count(*) as sorties
    from procedures
    where mois_sortie is not null
    group by mois_sortie, code_caf_gestionnaire, code_procedure

)

select
    mois.mois,
    mois.annee,
    mois.numero_mois,
    groupes.code_caf_gestionnaire,
    groupes.code_procedure,
    cast(coalesce(stock.procedures_actives, 0) as bigint) as procedures_actives,
    cast(coalesce(entrees.entrees, 0) as bigint) as entrees,
    cast(coalesce(sorties.sorties, 0) as bigint) as sorties
from mois
cross join groupes
left join stock
    on mois.mois = stock.mois
    and groupes.code_caf_gestionnaire = stock.code_caf_gestionnaire
    and groupes.code_procedure = stock.code_procedure
left join entrees
    on mois.mois = entrees.mois
    and groupes.code_caf_gestionnaire = entrees.code_caf_gestionnaire
    and groupes.code_procedure = entrees.code_procedure
left join sorties
    on mois.mois = sorties.mois
    and groupes.code_caf_gestionnaire = sorties.code_caf_gestionnaire
    and groupes.code_procedure = sorties.code_procedure
