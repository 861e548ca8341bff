with source as (

    select * from {{ source('extractions', 'plan_recouvrement') }}

),

renamed as (

    select
        procedure_id,
        mois,
        attendu_tc,
        attendu_asfr,
        attendu_arrieres_pa,
        attendu_fj,
        attendu_fg,
        _periode as mois_extraction,
        _fichier as fichier_source,
        _ligne as ligne_source

    from source

)

select * from renamed
