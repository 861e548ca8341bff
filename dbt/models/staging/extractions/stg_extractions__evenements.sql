with source as (

    select * from {{ source('extractions', 'evenements') }}

),

renamed as (

    select
        evenement_id,
        procedure_id,
        type_evenement,
        date_evenement,
        rang_defail,
        duree_suspension_mois,
        suite,
        _periode as mois_extraction,
        _fichier as fichier_source,
        _ligne as ligne_source

    from source

)

select * from renamed
