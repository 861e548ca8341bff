with source as (

    select * from {{ source('extractions', 'procedures') }}

),

renamed as (

    select
        procedure_id,
        cle_creancier,
        cle_debiteur,
        code_caf_gestionnaire,
        code_caf_residence,
        code_procedure,
        stade,
        date_engagement,
        date_passage_definitif,
        date_cloture,
        motif_cloture,
        montant_mensuel_tc,
        _periode as mois_extraction,
        _fichier as fichier_source,
        _ligne as ligne_source

    from source

)

select * from renamed
