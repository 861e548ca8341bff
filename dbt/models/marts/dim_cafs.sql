with cafs as (

    select * from {{ ref('cafs') }}

),

departements as (

    select * from {{ ref('departements') }}

)

select
    cafs.code_caf,
    cafs.nom_caf,
    cafs.code_departement,
    departements.nom_departement,
    departements.code_region,
    departements.nom_region,
    departements.population
from cafs
inner join departements on cafs.code_departement = departements.code_departement
