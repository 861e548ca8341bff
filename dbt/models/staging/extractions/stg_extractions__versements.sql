with source as (

    select * from {{ source('extractions', 'versements') }}

),

renamed as (

    select
        versement_id,
        procedure_id,
        date_valeur,
        montant,
        type_versement,
        provenance,
        montant_tc,
        montant_asfr,
        montant_arrieres_pa,
        montant_fj,
        montant_fg,
        _periode as mois_extraction,
        _fichier as fichier_source,
        _ligne as ligne_source

    from source

)

select * from renamed
