-- Amounts collected per procedure, month of value date and payment type, by component.
-- Incremental: a build recomputes only the months touched by files loaded since the last build
-- (a replaced file replaces its whole month), so a monthly load does not rescan the history.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    **incrementale_mensuelle('mois')
) }}

with versements as (

    select * from {{ ref('stg_extractions__versements') }}

),

manifeste as (

    -- When each file was (last) loaded; a row is never dropped for want of a manifest entry.
    select fichier, max(charge_le) as charge_le from {{ source('chargement', 'manifeste') }}
    group by fichier

),

versements_charges as (

    select
        versements.*,
        {{ debut_du_mois('versements.date_valeur') }} as mois,
        manifeste.charge_le
    from versements
    left join manifeste on versements.fichier_source = manifeste.fichier

)

select
    procedure_id,
    mois,
    type_versement,
    count(*) as nb_versements,
    sum(montant) as montant_verse,
    sum(montant_tc) as montant_tc,
    sum(montant_asfr) as montant_asfr,
    sum(montant_arrieres_pa) as montant_arrieres_pa,
    sum(montant_fj) as montant_fj,
    sum(montant_fg) as montant_fg,
    max(charge_le) as charge_le

from versements_charges
{% if is_incremental() %}
where mois in (
    select distinct mois from versements_charges
    where charge_le > (select max(deja.charge_le) from {{ this }} as deja)
)
{% endif %}
group by procedure_id, mois, type_versement
