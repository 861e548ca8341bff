-- Nothing is lost between the payments and the KPI: the TC collected in the national rows of the
-- mart equals the TC ventilated in the staged payments on recovery procedures (not intermediation)
-- mart equals the TC ventilated in the staged payments of the months the mart covers (months with
-- a payments extract, up to the latest procedures photograph).
with mart as (

    select sum(montant_encaisse_tc) as total
    from {{ ref('taux_recouvrement_flux_mensuel') }}
    where niveau = 'national'

),

versements as (

    select sum(versements.montant_tc) as total
    from {{ ref('stg_extractions__versements') }} as versements
    inner join {{ ref('int_procedures') }} as procedures
        on versements.procedure_id = procedures.procedure_id
    where procedures.code_procedure <> 'IF'
        and {{ debut_du_mois('versements.date_valeur') }} <= (select max(mois_extraction) from {{ ref('stg_extractions__procedures') }})
        and {{ debut_du_mois('versements.date_valeur') }} in (select distinct mois_extraction from {{ ref('stg_extractions__versements') }})

)

select mart.total as total_mart, versements.total as total_versements
from mart
cross join versements
where abs(coalesce(mart.total, 0) - coalesce(versements.total, 0)) > 0.005
