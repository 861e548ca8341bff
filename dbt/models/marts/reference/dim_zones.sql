-- Every zone a KPI mart is published for, with its label: France entière, each Caf (or the MSA),
-- each département and each region. Keyed by (type_zone, code_zone): codes of different types
-- may coincide. The parent of a Caf (its département) and of a département (its region) are the
-- additive structures the statistical secrecy protects (macro secret_statistique).
with cafs as (

    select * from {{ ref('dim_cafs') }}

),

departements as (

    select * from {{ ref('dim_departements') }}

)

select
    'national' as type_zone, 'FR' as code_zone, 'France entière' as libelle_zone,
    cast(null as {{ dbt.type_string() }}) as code_departement_parent, cast(null as {{ dbt.type_string() }}) as code_region_parent

union all

select
    'caf' as type_zone, code_caf as code_zone, nom_caf as libelle_zone,
    code_departement as code_departement_parent, cast(null as {{ dbt.type_string() }}) as code_region_parent
from cafs

union all

select
    'departement' as type_zone, code_departement as code_zone, nom_departement as libelle_zone,
    cast(null as {{ dbt.type_string() }}) as code_departement_parent, code_region as code_region_parent
from departements

union all

select distinct
    'region' as type_zone, code_region as code_zone, nom_region as libelle_zone,
    cast(null as {{ dbt.type_string() }}) as code_departement_parent, cast(null as {{ dbt.type_string() }}) as code_region_parent
from departements
