-- Départements with their GIPA group (from the gipa_departements seed, never from code).
with departements as (

    select * from {{ ref('departements') }}

),

gipa as (

    select * from {{ ref('gipa_departements') }}

)

select
    departements.code_departement,
    departements.nom_departement,
    departements.code_region,
    departements.nom_region,
    departements.zone,
    departements.population,
    coalesce(gipa.groupe, 'non_experimental') as groupe_gipa,
    gipa.date_debut as date_debut_gipa,
    gipa.date_generalisation as date_generalisation_gipa
from departements
left join gipa on departements.code_departement = gipa.code_departement
