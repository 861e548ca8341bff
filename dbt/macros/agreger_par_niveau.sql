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

{#- The label columns of a level's rows (niveau, type_zone, code_zone), as SQL expressions. -#}
{% macro etiquette_niveau(niveau, colonne) -%}
    {{ return({
        'niveau': "'" ~ niveau ~ "'",
        'type_zone': "'" ~ type_zone(niveau) ~ "'",
        'code_zone': colonne_zone(niveau),
    }[colonne]) }}
{%- endmacro %}

{#- The cells of every level, labelled from dim_zones: niveau, type_zone, code_zone, libelle_zone,
    the dimensions, then the measures (aggregate expressions). `dimensions` maps an output column to
    its expression; a constant (quoted) expression is not grouped on, which gives "ENSEMBLE" roll-up
    rows. A row without a zone (a MSA case has no territory) counts nationally and for its Caf only.
    The var `niveaux_retenus` narrows the levels (unit tests use it to keep expected rows short).
    All levels come from ONE `group by grouping sets` (one set per level; grouping() tells which
    zone column a row is grouped on): a union of one `group by` per level read the relation once per
    level and per distinct count (measured at national: the relation fanned out to 30 consumers,
    a third of taux_recouvrement_flux_mensuel's time). Grouping sets and grouping() are standard SQL
    (DuckDB, PostgreSQL, Spark). A single level keeps a plain `group by` (or none: one row). -#}
{% macro agreger_par_niveau(relation, niveaux, dimensions, mesures) -%}
    {%- set retenus = var('niveaux_retenus', none) -%}
    {%- set niveaux = niveaux if retenus is none else (niveaux | select('in', retenus) | list) -%}
    {%- set groupees = [] -%}
    {%- for expression in dimensions.values() if not expression.startswith("'") -%}
        {%- do groupees.append(expression) -%}
    {%- endfor -%}
    {%- for niveau in niveaux if colonne_zone(niveau) in groupees -%}
        {#- grouping() of that column would be 0 in every set: every row would read as that level. -#}
        {{ exceptions.raise_compiler_error("agreger_par_niveau : la dimension " ~ colonne_zone(niveau)
            ~ " est aussi la zone du niveau " ~ niveau) }}
    {%- endfor -%}
    select par_niveau.*, zones.libelle_zone
    from (
        select
        {%- for colonne in ['niveau', 'type_zone', 'code_zone'] %}
        {%- if niveaux | length == 1 %}
            {{ etiquette_niveau(niveaux[0], colonne) }} as {{ colonne }},
        {%- else %}
            case
            {%- for niveau in niveaux if niveau != 'national' %}
                when grouping({{ colonne_zone(niveau) }}) = 0 then {{ etiquette_niveau(niveau, colonne) }}
            {%- endfor %}
                else {{ etiquette_niveau('national', colonne) }}
            end as {{ colonne }},
        {%- endif %}
        {%- endfor %}
            {%- for nom, expression in dimensions.items() %}
            {{ expression }} as {{ nom }},
            {%- endfor %}
            {%- for nom, expression in mesures.items() %}
            {{ expression }} as {{ nom }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ relation }}
        {%- if niveaux | length == 1 %}
        {%- set groupes = groupees if niveaux[0] == 'national' else [colonne_zone(niveaux[0])] + groupees %}
        {%- if groupes %}
        group by {{ groupes | join(', ') }}
        {%- endif %}
        {%- else %}
        group by grouping sets (
        {%- for niveau in niveaux %}
            ({{ ((groupees if niveau == 'national' else [colonne_zone(niveau)] + groupees)) | join(', ') }}){{ ',' if not loop.last }}
        {%- endfor %}
        )
        {%- endif %}
    ) as par_niveau
    left join {{ ref('dim_zones') }} as zones
        on par_niveau.type_zone = zones.type_zone
        and par_niveau.code_zone = zones.code_zone
    where par_niveau.code_zone is not null
{%- endmacro %}

{#- count(distinct cle) over a relation holding at most one row per `cle` and cell whenever
    `seule` is true (`seule`: the row's key has one unit only, e.g. a débiteur with one procedure, in
    a relation of one row per procedure and month, every cell having its month). Those rows are
    counted as rows; only the others go through the distinct count, which is the cost of a mart
    (measured at national: one hash table of every row per level). Same value as
    count(distinct cle): a null key is counted by neither (`seule` must be false on it). -#}
{% macro compte_distinct_si_unique(cle, seule) -%}
    (count(case when {{ seule }} then 1 end) + count(distinct case when not ({{ seule }}) then {{ cle }} end))
{%- endmacro %}
