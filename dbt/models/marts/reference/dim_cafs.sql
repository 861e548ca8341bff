with cafs as (

    select * from {{ ref('cafs') }}

),

departements as (

    select * from {{ ref('departements') }}

)

select
    cafs.code_caf,
    cafs.nom_caf,
    cafs.type_organisme,
    cafs.role,
    cafs.code_caf_pivot,
    cafs.membre_snapa,
    cafs.code_departement,
    departements.nom_departement,
    departements.code_region,
    departements.nom_region,
    departements.population
from cafs
-- The MSA has no département: keep it.
left join departements on cafs.code_departement = departements.code_departement
