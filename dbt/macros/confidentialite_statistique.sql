{#- Statistical confidentiality: ONE rule, applied by this macro to every mart that describes people
    below the national level (and to its national rows, which describe people too).

    Input: `relation`, the cells of a mart as `agreger_par_niveau` lays them out (niveau, type_zone,
    code_zone, the `dimensions`, the measures). Output: the same rows with
      - `est_diffusable`: the cell may be published;
      - `motif_secret`: 'primaire' (the cell itself describes fewer than `seuil_secret_statistique`
        people, counted by `comptage`), 'herite' (it republishes a cell that another mart masks:
        `herite` is that condition), 'secondaire' (masked so that no masked cell can be rebuilt by
        subtraction), null when published.
    The published copy (pipelines/publication.py) replaces every value of a masked cell by null.

    Method (the hypercube method of tau-ARGUS, Giessing & Repsilber 2002, as used by national
    statistical institutes; Hundepool et al., "Statistical Disclosure Control", Wiley 2012, ch. 4):
    the table is cut into the additive structures a reader can subtract within, each one sum
    "total = sum of its parts" (a group of cells). A masked cell is rebuilt by one subtraction when it
    is the only masked cell of a group; so in every group holding exactly one masked cell, the
    published cell of least value (the fewest people, then the smallest `valeur`) is masked too. A
    secondary mask can leave another group with a single masked cell: the step is repeated
    `passes_secret_statistique` times (dbt var), a fixed number so the SQL stays plain and portable.
    A single-cell rule is not enough where two sums cross (zones x types): there, each pass also
    makes every masked cell close a rectangle of masked cells with a masked partner along the
    zones and one along the types (the hypercube, in two dimensions), masking the corner of least
    value when none is masked. Without it the attacker rebuilt 14 cells of the demo's monthly flow
    mart by combining the sums of a region's départements with their types.
    tests/test_confidentialite_statistique.py plays the attacker on the demo build (one subtraction and the
    rank of the linear system of every table) and must find nothing to rebuild.

    The groups (only where the table holds both the total and its parts):
      - each Caf level (caf_gestionnaire, caf_residence, caf) within national;
      - the Caf (de résidence, or holding the file) within its département;
      - départements within their region; regions within national (with the cells of a Caf
        without territory, the MSA, which count nationally but in no region);
      - `totaux`: the dimensions that have an 'ENSEMBLE' row (procedure type and phase): the parts
        within the ENSEMBLE row of the same zone and other dimensions.
    Caf gestionnaire and Caf de résidence are not nested (the MSA manages cases of almost every
    département, jumelage moves cases between pivots): their only common total is national.
    Periods: a mart summing months (annual, rolling 12 months) masks a cell when any of its months
    is masked (`herite`); then a masked annual cell needs a masked month to be rebuilt, and the
    months are protected month by month. -#}
{% macro secret_statistique(relation, niveaux, dimensions, comptage=none, valeur=none, totaux=[], herite=none) -%}
    {%- set retenus = var('niveaux_retenus', none) -%}
    {%- set niveaux = niveaux if retenus is none else (niveaux | select('in', retenus) | list) -%}
    {%- set caf_territoriale = 'caf_residence' if 'caf_residence' in niveaux else ('caf' if 'caf' in niveaux else none) -%}
    {%- set hors_totaux = dimensions | reject('in', totaux) | list -%}
    {%- set cellules = secret_cellules_sql(relation, dimensions, hors_totaux, totaux, comptage, valeur, herite) -%}
    {{- adapter.dispatch('secret_statistique_passes', 'aripa')(cellules, niveaux, caf_territoriale, totaux | length > 0) -}}
{%- endmacro %}

{#- DuckDB (and any engine computing a `materialized` CTE once): the whole method as CTEs of the mart. -#}
{% macro default__secret_statistique_passes(cellules, niveaux, caf_territoriale, avec_totaux) -%}
    {%- set passes = var('passes_secret_statistique') | int %}

    secret_cellules as {{ cte_materialisee() }} (
{{ cellules }}
    ),

    secret_groupes as {{ cte_materialisee() }} (
{{ secret_groupes_sql('secret_cellules', niveaux, caf_territoriale, avec_totaux) }}
    ),

    secret_passe_0 as {{ cte_materialisee() }} (
{{ secret_passe_0_sql('secret_cellules') }}
    ),
    {%- for passe in range(1, passes + 1) %}
{{ secret_passe_ctes(passe, 'secret_passe_' ~ (passe - 1), 'secret_cellules', 'secret_groupes', avec_totaux,
    garde=secret_garde(passe - 1, avec_totaux)) }}
    {%- endfor %}

    secret as (
{{ secret_resultat_sql('secret_cellules', 'secret_passe_' ~ passes) }}
    )
{%- endmacro %}

{#- Spark inlines every deterministic CTE at each of its references (optimizer rule InlineCTE; no
    `materialized` hint), and even a cached temporary view is expanded again from its text at each
    reference before the cache is looked up: so each pass, reading the previous one three to five
    times, multiplied the plan (measured: a chain of 7 such passes over 1 000 rows took 52 s, each
    pass three times the previous one; as tables, 12 passes took 0.5 to 1 s each). So on Spark the
    mart keeps only its cells as a CTE, the passes are written as tables, one statement each,
    before the mart's statement (secret_statistique_preparer_spark, called by the overrides in
    confidentialite_statistique_spark.sql), and the mart reads the result table. The line comments
    below mark where the cells end and carry what the passes need. -#}
{% macro spark__secret_statistique_passes(cellules, niveaux, caf_territoriale, avec_totaux) -%}
    {#- A unit test's `this` has no identifier: its tables are named after the test (model, test),
        so two unit tests run by different threads (the cluster target has 4) never share them. -#}
    {%- set nom = this.identifier or ('test__' ~ model.unique_id.split('.')[2] ~ '__' ~ model.name) %}
    {%- set parametres = {
        'travail': secret_travail_spark() ~ '.' ~ nom,
        'niveaux': niveaux,
        'caf_territoriale': caf_territoriale,
        'avec_totaux': avec_totaux,
        'passes': var('passes_secret_statistique') | int,
    } %}
    -- aripa:secret_statistique:debut
    secret_cellules as (
{{ cellules }}
    ),
    -- aripa:secret_statistique:fin {{ tojson(parametres) }}
    secret as (
        select * from {{ parametres.travail }}__resultat
    )
{%- endmacro %}

{#- PostgreSQL computes a `materialized` CTE once, but estimates its rows blindly: from the first
    pass on, the self-joins of the groups were estimated at 10^15 to 10^19 rows, so each
    `id_cellule in (select ...)` became a subplan rescanning its CTE for every cell instead of a hash
    (EXPLAIN ANALYZE on the tiny bench: 6 700 rescans per pass, 551 s for the flow mart). As on
    Spark, the passes are written as tables (analysed, so the next pass is planned on true counts)
    before the mart's statement, stopping at the fixed point: same cells, same verdicts. -#}
{% macro postgres__secret_statistique_passes(cellules, niveaux, caf_territoriale, avec_totaux) -%}
    {{- spark__secret_statistique_passes(cellules, niveaux, caf_territoriale, avec_totaux) -}}
{%- endmacro %}

{#- The Spark database holding the passes' tables (one set per mart, replaced at each build). -#}
{% macro secret_travail_spark() -%}{{ return(adapter.dispatch('secret_travail', 'aripa')()) }}{%- endmacro %}

{% macro default__secret_travail() -%}{{ return('secret_statistique') }}{%- endmacro %}

{#- PostgreSQL: the mart's own schema, which dbt has created; two threads creating one schema
    collide on PostgreSQL's catalog (`if not exists` is not atomic). -#}
{% macro postgres__secret_travail() -%}{{ return(this.schema) }}{%- endmacro %}

{#- Each cell of the mart with its key, parents, count, value and primary (or inherited) mask. Null
    dimensions sort last on every engine (DuckDB's default, not Spark's): the cell numbers break
    the ties between cells of equal value, so they must be the same everywhere. -#}
{% macro secret_cellules_sql(relation, dimensions, hors_totaux, totaux, comptage, valeur, herite) -%}
    {%- set seuil = var('seuil_secret_statistique') %}
        select
            a_masquer.*,
            row_number() over (order by a_masquer.niveau, a_masquer.code_zone nulls last
                {%- for d in dimensions %}, a_masquer.{{ d }} nulls last{% endfor %}) as id_cellule,
            zones_secret.code_departement_parent as departement_parent,
            zones_secret.code_region_parent as region_parent,
            {{ cle_secret(dimensions) }} as cle_dimensions,
            {{ cle_secret(hors_totaux) }} as cle_hors_totaux,
            {{ cle_secret(totaux) }} as cle_totaux,
            a_masquer.niveau || '#' || a_masquer.code_zone as zone_secret,
            {%- if comptage is not none %}
            coalesce({{ comptage }}, 0) as comptage_secret,
            coalesce({{ comptage }}, 0) < {{ seuil }} as masque_primaire,
            {%- else %}
            cast(null as bigint) as comptage_secret,
            false as masque_primaire,
            {%- endif %}
            {{ 'coalesce(' ~ herite ~ ', false)' if herite is not none else 'false' }} as masque_herite,
            cast({{ valeur if valeur is not none else '0' }} as {{ type_reel() }}) as valeur_secret
        from {{ relation }} as a_masquer
        left join {{ ref('dim_zones') }} as zones_secret
            on a_masquer.type_zone = zones_secret.type_zone and a_masquer.code_zone = zones_secret.code_zone
{%- endmacro %}

{#- The additive groups (see the head of this file), one row per cell and group. -#}
{% macro secret_groupes_sql(cellules, niveaux, caf_territoriale, avec_totaux) -%}
        {%- set groupes = [] %}
        {%- if 'national' in niveaux %}
            {%- for niveau_caf in ['caf_gestionnaire', 'caf_residence', 'caf'] if niveau_caf in niveaux %}
                {%- do groupes.append("select id_cellule, 'zones_caf' as nature, 'national>" ~ niveau_caf ~ "|' || cle_dimensions as groupe from " ~ cellules ~ " where niveau in ('national', '" ~ niveau_caf ~ "')") %}
            {%- endfor %}
            {%- if 'region' in niveaux %}
                {%- set sans_territoire = (" or (niveau = '" ~ caf_territoriale ~ "' and departement_parent is null)") if caf_territoriale else '' %}
                {%- do groupes.append("select id_cellule, 'zones' as nature, 'national>region|' || cle_dimensions as groupe from " ~ cellules ~ " where niveau in ('national', 'region')" ~ sans_territoire) %}
            {%- endif %}
        {%- endif %}
        {%- if 'departement' in niveaux and caf_territoriale %}
            {%- do groupes.append("select id_cellule, 'zones' as nature, 'departement>caf|' || code_zone || '|' || cle_dimensions as groupe from " ~ cellules ~ " where niveau = 'departement'") %}
            {%- do groupes.append("select id_cellule, 'zones' as nature, 'departement>caf|' || departement_parent || '|' || cle_dimensions as groupe from " ~ cellules ~ " where niveau = '" ~ caf_territoriale ~ "' and departement_parent is not null") %}
        {%- endif %}
        {%- if 'region' in niveaux and 'departement' in niveaux %}
            {%- do groupes.append("select id_cellule, 'zones' as nature, 'region>departement|' || code_zone || '|' || cle_dimensions as groupe from " ~ cellules ~ " where niveau = 'region'") %}
            {%- do groupes.append("select id_cellule, 'zones' as nature, 'region>departement|' || region_parent || '|' || cle_dimensions as groupe from " ~ cellules ~ " where niveau = 'departement' and region_parent is not null") %}
        {%- endif %}
        {%- if avec_totaux %}
            {%- do groupes.append("select id_cellule, 'ensemble' as nature, 'ensemble|' || niveau || '|' || code_zone || '|' || cle_hors_totaux as groupe from " ~ cellules) %}
        {%- endif %}
        {%- if not groupes %}
            {%- do groupes.append("select id_cellule, 'zones' as nature, cast(null as " ~ dbt.type_string() ~ ") as groupe from " ~ cellules ~ " where 1 = 0") %}
        {%- endif %}
        {{ groupes | join('\n        union all\n        ') }}
{%- endmacro %}

{#- The state before the first pass: the primary and inherited masks. -#}
{% macro secret_passe_0_sql(cellules) -%}
        select id_cellule, comptage_secret, valeur_secret, (masque_primaire or masque_herite) as masque
        from {{ cellules }}
{%- endmacro %}

{#- One pass, as CTEs (each followed by a comma), reading the state `precedente` and ending with
    `secret_passe_<passe>`. A pass's state is only the set of masked cells, and it only grows: a
    pass that masks nothing new is a fixed point (every later pass gives the same set). -#}
{#- Whether pass `passe` masked anything: when it did not, its state is a fixed point, so the next
    passes only copy it. In one statement (DuckDB) the passes are all written out; this guard
    empties their inputs past the fixed point, so that they cost a scan instead of the joins (on
    the demo most marts settle after 2 to 5 of the 12 passes). Spark stops at the fixed point
    between its statements instead. -#}
{% macro secret_garde(passe, avec_totaux) -%}
    {%- if passe >= 1 -%}
    (exists (select 1 from secret_complements_{{ passe }})
        {%- if avec_totaux %} or exists (select 1 from secret_rectangles_{{ passe }}){% endif %})
    {%- endif -%}
{%- endmacro %}

{% macro secret_passe_ctes(passe, precedente, cellules, groupes, avec_totaux, garde=none) %}
    secret_isoles_{{ passe }} as {{ cte_materialisee() }} (

        -- Groups where exactly one cell is masked: it could be rebuilt by one subtraction.
        select g.groupe
        from {{ groupes }} as g
        inner join {{ precedente }} as p on g.id_cellule = p.id_cellule
        {%- if garde %}
        where {{ garde }}
        {%- endif %}
        group by g.groupe
        having sum(case when p.masque then 1 else 0 end) = 1 and count(*) > 1

    ),

    secret_complements_{{ passe }} as {{ cte_materialisee() }} (

        -- In each such group, the published cell of least value is masked too.
        select id_cellule
        from (
            select
                g.id_cellule,
                row_number() over (
                    partition by g.groupe
                    order by p.comptage_secret nulls last, p.valeur_secret nulls last, g.id_cellule
                ) as rang
            from {{ groupes }} as g
            inner join secret_isoles_{{ passe }} as i on g.groupe = i.groupe
            inner join {{ precedente }} as p on g.id_cellule = p.id_cellule
            where not p.masque
        ) as candidats
        where rang = 1

    ),

    secret_{{ 'unique' if avec_totaux else 'passe' }}_{{ passe }} as {{ cte_materialisee() }} (

        select
            p.id_cellule,
            p.comptage_secret,
            p.valeur_secret,
            p.masque or p.id_cellule in (select id_cellule from secret_complements_{{ passe }}) as masque
        from {{ precedente }} as p

    ),
    {%- if avec_totaux %}

    -- Zones x types: a masked cell, one masked partner along the zones (same group) and one along
    -- the types (same zone) must close a rectangle of masked cells (the hypercube of tau-ARGUS in
    -- two dimensions); otherwise the two sums combined can rebuild the cell. Where no corner is
    -- masked, the existing corner of least value is masked. Checked within the small groups
    -- (départements of a region, the Caf of a département, regions of France); the 101 Cafs
    -- within national hold too many masked cells for the pairs to be enumerated at each pass.
    secret_masques_{{ passe }} as {{ cte_materialisee() }} (

        select c.id_cellule, c.zone_secret, c.cle_totaux, c.cle_hors_totaux
        from {{ cellules }} as c
        inner join secret_unique_{{ passe }} as u on c.id_cellule = u.id_cellule
        where u.masque{% if garde %} and {{ garde }}{% endif %}

    ),

    secret_partenaires_zone_{{ passe }} as {{ cte_materialisee() }} (

        select gc.id_cellule, gc.groupe, md.zone_secret as zone_partenaire, mc.cle_hors_totaux
        from {{ groupes }} as gc
        inner join secret_masques_{{ passe }} as mc on gc.id_cellule = mc.id_cellule
        inner join {{ groupes }} as gd on gc.groupe = gd.groupe and gd.id_cellule <> gc.id_cellule
        inner join secret_masques_{{ passe }} as md on gd.id_cellule = md.id_cellule
        where gc.nature = 'zones'

    ),

    secret_partenaires_type_{{ passe }} as {{ cte_materialisee() }} (

        select gc.id_cellule, md.cle_totaux as type_partenaire
        from {{ groupes }} as gc
        inner join secret_masques_{{ passe }} as mc on gc.id_cellule = mc.id_cellule
        inner join {{ groupes }} as gd on gc.groupe = gd.groupe and gd.id_cellule <> gc.id_cellule
        inner join secret_masques_{{ passe }} as md on gd.id_cellule = md.id_cellule
        where gc.nature = 'ensemble'

    ),

    -- The corners in two steps, the partner zone's cells first, each step a join of two
    -- relations so that no engine can pick another order: joined first on the masked cell alone,
    -- its zone partners times its type partners made 51 M rows a pass on the demo's
    -- rolling-12-months mart.
    secret_coins_zone_{{ passe }} as {{ cte_materialisee() }} (

        select pz.id_cellule as id_masque, pz.groupe, coin.id_cellule, coin.cle_totaux
        from secret_partenaires_zone_{{ passe }} as pz
        inner join {{ cellules }} as coin
            on coin.zone_secret = pz.zone_partenaire
            and coin.cle_hors_totaux = pz.cle_hors_totaux

    ),

    secret_coins_{{ passe }} as {{ cte_materialisee() }} (

        select cz.id_masque, cz.groupe, cz.id_cellule, u.masque, u.comptage_secret, u.valeur_secret
        from secret_coins_zone_{{ passe }} as cz
        inner join secret_partenaires_type_{{ passe }} as pt
            on cz.id_masque = pt.id_cellule
            and cz.cle_totaux = pt.type_partenaire
        inner join secret_unique_{{ passe }} as u on cz.id_cellule = u.id_cellule

    ),

    secret_rectangles_{{ passe }} as {{ cte_materialisee() }} (

        select id_cellule
        from (
            select
                coins.id_cellule,
                row_number() over (
                    partition by coins.id_masque, coins.groupe
                    order by coins.comptage_secret nulls last, coins.valeur_secret nulls last, coins.id_cellule
                ) as rang
            from secret_coins_{{ passe }} as coins
            inner join (
                select id_masque, groupe
                from secret_coins_{{ passe }}
                group by id_masque, groupe
                having max(case when masque then 1 else 0 end) = 0
            ) as ouverts on coins.id_masque = ouverts.id_masque and coins.groupe = ouverts.groupe
        ) as candidats
        where rang = 1

    ),

    secret_passe_{{ passe }} as {{ cte_materialisee() }} (

        select
            u.id_cellule,
            u.comptage_secret,
            u.valeur_secret,
            u.masque or u.id_cellule in (select id_cellule from secret_rectangles_{{ passe }}) as masque
        from secret_unique_{{ passe }} as u

    ),
    {%- endif %}
{%- endmacro %}

{#- The cells with the verdict of the last pass. -#}
{% macro secret_resultat_sql(cellules, derniere_passe) -%}
        select
            c.*,
            not p.masque as est_diffusable,
            case
                when c.masque_primaire then 'primaire'
                when c.masque_herite then 'herite'
                when p.masque then 'secondaire'
            end as motif_secret
        from {{ cellules }} as c
        inner join {{ derniere_passe }} as p on c.id_cellule = p.id_cellule
{%- endmacro %}

{#- The dimensions of a cell as one string, for the group keys (null shown as ∅). -#}
{% macro cle_secret(colonnes) -%}
    {%- if colonnes -%}
    {%- for c in colonnes -%}
    coalesce(cast({{ c }} as {{ dbt.type_string() }}), '∅'){{ " || '|' || " if not loop.last }}
    {%- endfor -%}
    {%- else -%}''{%- endif -%}
{%- endmacro %}

{#- Each pass reads the previous one several times: the engine must compute it once, not inline it
    at every reference (which grows exponentially with the passes). -#}
{% macro cte_materialisee() -%}
    {{ return(adapter.dispatch('cte_materialisee', 'aripa')()) }}
{%- endmacro %}

{% macro default__cte_materialisee() -%}{%- endmacro %}

{% macro duckdb__cte_materialisee() -%}materialized{%- endmacro %}

{% macro postgres__cte_materialisee() -%}materialized{%- endmacro %}
