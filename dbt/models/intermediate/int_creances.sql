-- The current state of each créance (its row in the most recent photograph), with its family and
-- the territory of the Caf where it is held. ARIPA = pension créances implanted on the débiteur's
-- file (nature OIF, seed 002); INDUS = the Caf's own overpayments (every other nature, 004).
with photographies as (

    {{ derniere_photographie(ref('stg_extractions__creances'), 'creance_id') }}

),

cafs as (

    select code_caf, code_departement, code_region from {{ ref('dim_cafs') }}

)

select
    photographies.*,
    case when photographies.nature = 'OIF' then 'ARIPA' else 'INDUS' end as famille,
    cafs.code_departement,
    cafs.code_region
from photographies
left join cafs on photographies.code_caf = cafs.code_caf
