-- Each accounting movement of a créance with the créance's family, Caf and territory, and its
-- signed effect on the balance (+ implantation or increase, - decrease).
with mouvements as (

    select * from {{ ref('stg_extractions__mouvements_creances') }}

),

creances as (

    select creance_id, famille, code_caf, code_departement, code_region, modalite_recouvrement
    from {{ ref('int_creances') }}

)

select
    mouvements.mouvement_id,
    mouvements.creance_id,
    mouvements.date_comptable,
    {{ debut_du_mois('mouvements.date_comptable') }} as mois,
    mouvements.operation,
    mouvements.motif_mouvement,
    mouvements.montant,
    case when mouvements.operation = 'AD' then -mouvements.montant else mouvements.montant end as montant_signe,
    creances.famille,
    creances.code_caf,
    creances.code_departement,
    creances.code_region,
    -- Withholding on benefits (retenue fixe or au barème): the "compensation" of 004.
    creances.modalite_recouvrement in ('RF', 'RP') as par_retenue_prestations
from mouvements
inner join creances on mouvements.creance_id = creances.creance_id
