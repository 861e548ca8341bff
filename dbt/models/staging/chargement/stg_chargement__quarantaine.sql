-- Quarantined rows, renamed only, WITHOUT the value read and its detail: what reaches the marts
-- from here is counts by file, field and rule, never a row's content (a personal value can sit in
-- a quarantined field before pseudonymisation).
with source as (

    select * from {{ source('chargement', 'quarantaine') }}

),

renamed as (

    select
        fichier,
        ligne,
        champ,
        regle

    from source

)

select * from renamed
