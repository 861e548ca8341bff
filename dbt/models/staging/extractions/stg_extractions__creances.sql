with source as (

    select * from {{ source('extractions', 'creances') }}

),

renamed as (

    select
        creance_id,
        cle_allocataire,
        code_caf,
        procedure_id,
        nature,
        rang,
        montant_initial,
        solde,
        etat,
        motif as motif_etat,
        date_implantation,
        modalite_recouvrement,
        date_prescription,
        _periode as mois_extraction,
        _fichier as fichier_source,
        _ligne as ligne_source

    from source

)

select * from renamed
