with source as (

    select * from {{ source('extractions', 'mouvements_creances') }}

),

renamed as (

    select
        mouvement_id,
        creance_id,
        date_comptable,
        operation,
        motif_mouvement,
        montant,
        _periode as mois_extraction,
        _fichier as fichier_source,
        _ligne as ligne_source

    from source

)

select * from renamed
