with source as (

    select * from {{ source('extractions', 'asf') }}

),

renamed as (

    select
        code_caf,
        nature_asf,
        nombre_familles,
        nombre_enfants,
        montant_verse,
        _periode as mois,
        _fichier as fichier_source,
        _ligne as ligne_source

    from source

)

select * from renamed
