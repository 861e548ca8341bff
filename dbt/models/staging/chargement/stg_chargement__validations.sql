-- Great Expectations results written by `aripa ingest` (one row per expectation and run), renamed only.
with source as (

    select * from {{ source('chargement', 'validations') }}

),

renamed as (

    select
        valide_le,
        extraction,
        attente,
        colonne,
        regle,
        lignes_validees,
        lignes_en_echec,
        succes

    from source

)

select * from renamed
