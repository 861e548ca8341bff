-- ASF beneficiaries by month, Caf and kind, with the Caf's département and its GIPA group.
with asf as (

    select * from {{ ref('stg_extractions__asf') }}

),

cafs as (

    select code_caf, code_departement from {{ ref('dim_cafs') }}

),

departements as (

    select code_departement, groupe_gipa from {{ ref('dim_departements') }}

)

select
    asf.mois,
    cast(extract(year from asf.mois) as integer) as annee,
    cast(extract(month from asf.mois) as integer) as numero_mois,
    asf.code_caf,
    cafs.code_departement,
    coalesce(departements.groupe_gipa, 'non_experimental') as groupe_gipa,
    asf.nature_asf,
    cast(asf.nombre_familles as bigint) as nombre_familles,
    cast(asf.nombre_enfants as bigint) as nombre_enfants,
    cast(asf.montant_verse as decimal(18, 2)) as montant_verse
from asf
left join cafs on asf.code_caf = cafs.code_caf
left join departements on cafs.code_departement = departements.code_departement
