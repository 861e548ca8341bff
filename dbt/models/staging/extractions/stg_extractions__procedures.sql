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
        statut_debiteur,
        tc_gere,
        asfr_gere,
        pa_gere,
        nombre_enfants,
        montant_mensuel_tc,
        mois_arrieres_engagement,
        montant_arrieres_engagement,
        _periode as mois_extraction,
        _fichier as fichier_source,
        _ligne as ligne_source

    from source

)

select * from renamed
