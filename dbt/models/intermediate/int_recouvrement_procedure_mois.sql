-- The recovery plan with what was collected on it: one row per procedure and month, expected and
-- collected amounts per component of the plan (TC, ASFR, Arr. PA, FJ, FG; seed 002), and the part
-- collected by withholding on benefits (RP). A payment on a month without a plan line is kept
-- (expected 0), so nothing collected is lost. Incremental on the months whose plan or payments
-- files were loaded since the last build.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    **incrementale_mensuelle('mois')
) }}

with manifeste as (

    -- When each file was (last) loaded; a row is never dropped for want of a manifest entry.
    select fichier, max(charge_le) as charge_le from {{ source('chargement', 'manifeste') }}
    group by fichier

),

plan as (

    select plan.*, manifeste.charge_le
    from {{ ref('stg_extractions__plan_recouvrement') }} as plan
    left join manifeste on plan.fichier_source = manifeste.fichier

),

versements as (

    select
        procedure_id,
        mois,
        sum(nb_versements) as nb_versements,
        sum(montant_tc) as encaisse_tc,
        sum(montant_asfr) as encaisse_asfr,
        sum(montant_arrieres_pa) as encaisse_arrieres_pa,
        sum(montant_fj) as encaisse_fj,
        sum(montant_fg) as encaisse_fg,
        sum(montant_verse) as encaisse_total,
        sum(case when type_versement = 'RP' then montant_verse else 0 end) as encaisse_retenue_prestations,
        max(charge_le) as charge_le
    from {{ ref('int_versements_procedure_mois') }}
    group by procedure_id, mois

),

{% if is_incremental() %}
mois_a_recalculer as (

    select mois from plan where charge_le > (select max(deja.charge_le) from {{ this }} as deja)
    union
    select mois from versements where charge_le > (select max(deja.charge_le) from {{ this }} as deja)

),
{% endif %}

joints as (

    select
        coalesce(plan.procedure_id, versements.procedure_id) as procedure_id,
        coalesce(plan.mois, versements.mois) as mois,
        coalesce(plan.attendu_tc, 0) as attendu_tc,
        coalesce(plan.attendu_asfr, 0) as attendu_asfr,
        coalesce(plan.attendu_arrieres_pa, 0) as attendu_arrieres_pa,
        coalesce(plan.attendu_fj, 0) as attendu_fj,
        coalesce(plan.attendu_fg, 0) as attendu_fg,
        coalesce(versements.encaisse_tc, 0) as encaisse_tc,
        coalesce(versements.encaisse_asfr, 0) as encaisse_asfr,
        coalesce(versements.encaisse_arrieres_pa, 0) as encaisse_arrieres_pa,
        coalesce(versements.encaisse_fj, 0) as encaisse_fj,
        coalesce(versements.encaisse_fg, 0) as encaisse_fg,
        coalesce(versements.encaisse_total, 0) as encaisse_total,
        coalesce(versements.encaisse_retenue_prestations, 0) as encaisse_retenue_prestations,
        coalesce(versements.nb_versements, 0) as nb_versements,
        plan.procedure_id is not null as dans_le_plan,
        case
            when plan.charge_le is null then versements.charge_le
            when versements.charge_le is null then plan.charge_le
            when plan.charge_le > versements.charge_le then plan.charge_le
            else versements.charge_le
        end as charge_le
    from plan
    full outer join versements
        on plan.procedure_id = versements.procedure_id
        and plan.mois = versements.mois

)

select
    procedure_id,
    mois,
    attendu_tc,
    attendu_asfr,
    attendu_arrieres_pa,
    attendu_fj,
    attendu_fg,
    {{ somme_composantes('attendu') }} as attendu_total,
    encaisse_tc,
    encaisse_asfr,
    encaisse_arrieres_pa,
    encaisse_fj,
    encaisse_fg,
    encaisse_total,
    encaisse_retenue_prestations,
    nb_versements,
    dans_le_plan,
    charge_le
from joints
{% if is_incremental() %}
where mois in (select mois from mois_a_recalculer)
{% endif %}
