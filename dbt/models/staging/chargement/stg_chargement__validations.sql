-- Great Expectations results written by `aripa ingest` (one row per expectation and run), renamed only.
with source as (

    select * from {{ source('chargement', 'validations') }}

),

renamed as (

    select
        -- The contract's `timestamp` (on Spark the Parquet handoff reads as timestamp_ntz).
        cast(valide_le as timestamp) as valide_le,
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
