with source as (

    select * from {{ source('extractions', 'remises_dettes') }}

),

renamed as (

    select
        demande_id,
        creance_id,
        code_caf,
        canal,
        date_demande,
        ressources_mensuelles,
        prestations_mensuelles,
        charges_logement,
        nombre_parts,
        responsabilite,
        montant_demande,
        instance,
        decision,
        montant_remis,
        date_decision,
        _periode as mois_extraction,
        _fichier as fichier_source,
        _ligne as ligne_source

    from source

)

select * from renamed
