-- One row per procedure and month in which a terme courant (TC) is due.
-- Rule: the TC is due from the month of engagement included to the month of closure excluded
-- (closure ends the plan before that month's term), and never beyond the month the procedure's
-- latest photograph covers. Simulations (stade SIM) are not engaged: nothing is due.
with procedures as (

    select * from {{ ref('int_procedures') }}
    where stade <> 'SIM'

),

mois as (

    select mois from {{ ref('dim_mois') }}

)

select
    procedures.procedure_id,
    mois.mois,
    procedures.code_caf_gestionnaire,
    procedures.code_caf_residence,
    procedures.code_procedure,
    procedures.cle_debiteur,
    procedures.montant_mensuel_tc as montant_attendu_tc

from procedures
inner join mois
    on mois.mois >= {{ debut_du_mois('procedures.date_engagement') }}
    and mois.mois <= procedures.mois_extraction
    and (
        procedures.date_cloture is null
        or mois.mois < {{ debut_du_mois('procedures.date_cloture') }}
    )
