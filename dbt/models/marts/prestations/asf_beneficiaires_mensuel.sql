-- ASF beneficiaries (families, children, amount paid) by kind, per month, at every level.
{%- set niveaux = niveaux_caf_unique() %}

with asf as (

    select asf.*, cafs.code_departement, cafs.code_region
    from {{ ref('stg_extractions__asf') }} as asf
    left join {{ ref('dim_cafs') }} as cafs on asf.code_caf = cafs.code_caf

),

agreges as (

    {{ agreger_par_niveau('asf', niveaux, {'mois': 'mois', 'nature_asf': 'nature_asf'}, {
        'nombre_familles': 'sum(nombre_familles)',
        'nombre_enfants': 'sum(nombre_enfants)',
        'montant_verse': 'sum(montant_verse)',
    }) }}

),

-- Secrecy: cells of fewer than the threshold's families, and their complements over the zones
-- (kinds have no total row).
{{ secret_statistique('agreges', niveaux, ['mois', 'nature_asf'], comptage='nombre_familles', valeur='montant_verse') }},

departements as (

    select code_departement, groupe_gipa from {{ ref('dim_departements') }}

)

select
    agreges.niveau,
    agreges.type_zone,
    agreges.code_zone,
    agreges.libelle_zone,
    agreges.mois,
    cast({{ partie_date('year', 'agreges.mois') }} as integer) as annee,
    cast({{ partie_date('month', 'agreges.mois') }} as integer) as numero_mois,
    agreges.nature_asf,
    -- GIPA group of a département (seed gipa_departements); empty at the other levels.
    departements.groupe_gipa,
    cast(agreges.nombre_familles as bigint) as nombre_familles,
    cast(agreges.nombre_enfants as bigint) as nombre_enfants,
    cast(agreges.montant_verse as decimal(18, 2)) as montant_verse,
    agreges.est_diffusable,
    agreges.motif_secret
from secret as agreges
left join departements
    on agreges.type_zone = 'departement'
    and agreges.code_zone = departements.code_departement
