-- The current state of each procedure: its row in the most recent monthly photograph received.
with photographies as (

    select * from {{ ref('stg_extractions__procedures') }}

),

dernieres as (

    select procedure_id, max(mois_extraction) as mois_extraction
    from photographies
    group by procedure_id

)

select photographies.*
from photographies
inner join dernieres
    on photographies.procedure_id = dernieres.procedure_id
    and photographies.mois_extraction = dernieres.mois_extraction
