-- The load manifest, renamed only: one row per file version read by `aripa ingest`. The message
-- and the key fingerprint stay out (the message may name a field of a refused file; the key's
-- fingerprint is the operators' business): only whether there is a message goes on, as a flag
-- (a loaded file with a message is one to check).
with source as (

    select * from {{ source('chargement', 'manifeste') }}

),

renamed as (

    select
        fichier,
        extraction,
        periode as mois_couvert,
        statut,
        lignes_lues,
        lignes_chargees,
        lignes_quarantaine,
        coalesce(lignes_vides, 0) as lignes_vides,
        coalesce(message, '') <> '' as avec_message,
        -- The contract's `timestamp` (on Spark the Parquet handoff reads as timestamp_ntz).
        cast(charge_le as timestamp) as charge_le,
        duree_s

    from source

)

select * from renamed
