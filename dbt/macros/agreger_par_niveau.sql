{#- The geographic levels of the catalogue, and the column of a base relation that carries each one.
    Procedures count by the Caf that manages them (gestionnaire) and by the Caf where the creditor
    lives (résidence): jumelage makes the two differ. Départements and regions are territories: they
    count by the Caf de résidence. Créances and write-offs have one Caf (where the file is held). -#}
{% macro colonne_zone(niveau) -%}
    {%- set colonnes = {
        'national': "'FR'",
        'caf_gestionnaire': 'code_caf_gestionnaire',
        'caf_residence': 'code_caf_residence',
        'caf': 'code_caf',
        'departement': 'code_departement',
        'region': 'code_region',
    } -%}
    {{ return(colonnes[niveau]) }}
{%- endmacro %}

{#- The levels of a procedure figure (two Cafs: gestionnaire and résidence) and of a figure whose
    files have one Caf (créances, write-offs, ASF), named once for every mart. -#}
{% macro niveaux_procedure() -%}
    {{ return(['national', 'caf_gestionnaire', 'caf_residence', 'departement', 'region']) }}
{%- endmacro %}

{% macro niveaux_caf_unique() -%}
    {{ return(['national', 'caf', 'departement', 'region']) }}
{%- endmacro %}

{% macro type_zone(niveau) -%}
    {{ return({'national': 'national', 'departement': 'departement', 'region': 'region'}.get(niveau, 'caf')) }}
{%- endmacro %}

{#- One `select ... group by` per level, unioned, then labelled from dim_zones: niveau, type_zone,
    code_zone, libelle_zone, the dimensions, then the measures (aggregate expressions). `dimensions`
    maps an output column to its expression; a constant (quoted) expression is not grouped on,
    which gives "ENSEMBLE" roll-up rows. A row without a zone (a MSA case has no territory) counts
    nationally and for its Caf only. The var `niveaux_retenus` narrows the levels (unit tests use it
    to keep expected rows short). -#}
{% macro agreger_par_niveau(relation, niveaux, dimensions, mesures) -%}
    {%- set retenus = var('niveaux_retenus', none) -%}
    {%- set niveaux = niveaux if retenus is none else (niveaux | select('in', retenus) | list) -%}
    select par_niveau.*, zones.libelle_zone
    from (
    {%- for niveau in niveaux %}
        select
            '{{ niveau }}' as niveau,
            '{{ type_zone(niveau) }}' as type_zone,
            {{ colonne_zone(niveau) }} as code_zone,
            {%- for nom, expression in dimensions.items() %}
            {{ expression }} as {{ nom }},
            {%- endfor %}
            {%- for nom, expression in mesures.items() %}
            {{ expression }} as {{ nom }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ relation }}
        {%- set groupes = [] if niveau == 'national' else [colonne_zone(niveau)] -%}
        {%- for expression in dimensions.values() if not expression.startswith("'") -%}
            {%- do groupes.append(expression) -%}
        {%- endfor %}
        {%- if groupes %}
        group by {{ groupes | join(', ') }}
        {%- endif %}
        {{ 'union all' if not loop.last }}
    {%- endfor %}
    ) as par_niveau
    left join {{ ref('dim_zones') }} as zones
        on par_niveau.type_zone = zones.type_zone
        and par_niveau.code_zone = zones.code_zone
    where par_niveau.code_zone is not null
{%- endmacro %}
