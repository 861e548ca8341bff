{#- Spark's side of the secrecy macro (confidentialite_statistique.sql, spark__secret_statistique_passes):
    before a mart's statement, its cells and each pass are written as tables of the database
    `secret_statistique`, each pass reading the previous table once per reference, so the plan of a
    pass no longer holds the passes before it. The mart's compiled SQL carries, between two line
    comments, the CTE of its cells (everything above it is the mart's own CTEs: the statement of the
    cells is that text followed by `select * from secret_cellules`), then the parameters of the
    passes as JSON. A pass that masks no new cell is a fixed point: masks only grow, and a pass
    depends on nothing but the masked set, so the later passes would give the same set; they are
    not run. The result is the same table of cells and verdicts as DuckDB's `secret` CTE.

    Called before the mart's statement (see the overrides at the end of this file). -#}
{% macro secret_statistique_preparer_spark(sql) -%}
    {%- set debut = '-- aripa:secret_statistique:debut' -%}
    {%- set fin = '-- aripa:secret_statistique:fin ' -%}
    {%- if execute and debut in sql -%}
        {%- set avant, reste = sql.split(debut, 1) -%}
        {%- set cte_cellules, apres = reste.split(fin, 1) -%}
        {%- set p = fromjson(apres.split('\n', 1)[0]) -%}
        {%- set t = p['travail'] -%}
        {%- set cellules = t ~ '__cellules' -%}
        {%- set groupes = t ~ '__groupes' -%}
        {%- do run_query(adapter.dispatch('secret_creer_travail', 'aripa')(secret_travail_spark())) -%}
        {%- do secret_table_spark(cellules, avant ~ '\n' ~ cte_cellules.strip().rstrip(',') ~ '\nselect * from secret_cellules') -%}
        {%- do secret_table_spark(groupes, secret_groupes_sql(cellules, p['niveaux'], p['caf_territoriale'], p['avec_totaux'])) -%}
        {%- do secret_table_spark(t ~ '__passe_0', secret_passe_0_sql(cellules)) -%}
        {%- set etat = namespace(derniere=0, masques=secret_masques_spark(t ~ '__passe_0'), fini=false) -%}
        {%- for passe in range(1, p['passes'] + 1) -%}{%- if not etat.fini -%}
            {%- set requete = 'with ' ~ secret_passe_ctes(passe, t ~ '__passe_' ~ (passe - 1), cellules, groupes, p['avec_totaux']).strip().rstrip(',')
                ~ '\nselect * from secret_passe_' ~ passe -%}
            {%- do secret_table_spark(t ~ '__passe_' ~ passe, requete) -%}
            {%- do run_query('drop table if exists ' ~ t ~ '__passe_' ~ (passe - 1)) -%}
            {%- set masques = secret_masques_spark(t ~ '__passe_' ~ passe) -%}
            {%- set etat.fini = masques == etat.masques -%}
            {%- set etat.masques = masques -%}
            {%- set etat.derniere = passe -%}
        {%- endif -%}{%- endfor -%}
        {%- do log('secret_statistique ' ~ t ~ ' : ' ~ etat.masques ~ ' cellules masquées après '
            ~ etat.derniere ~ ' passe(s) sur ' ~ p['passes'], info=true) -%}
        {%- do secret_table_spark(t ~ '__resultat', secret_resultat_sql(cellules, t ~ '__passe_' ~ etat.derniere)) -%}
        {%- for table in [cellules, groupes, t ~ '__passe_' ~ etat.derniere] -%}
            {%- do run_query('drop table if exists ' ~ table) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{% macro secret_table_spark(nom, requete) -%}
    {%- do run_query('drop table if exists ' ~ nom) -%}
    {%- do adapter.dispatch('secret_table', 'aripa')(nom, requete) -%}
{%- endmacro %}

{% macro default__secret_table(nom, requete) -%}
    {%- do run_query('create table ' ~ nom ~ ' using parquet as\n' ~ requete) -%}
{%- endmacro %}

{#- PostgreSQL (postgres__secret_statistique_passes): unlogged, nothing to recover, and analysed at
    once so that the next pass's joins are planned on the true row counts. -#}
{% macro postgres__secret_table(nom, requete) -%}
    {%- do run_query('create unlogged table ' ~ nom ~ ' as\n' ~ requete) -%}
    {%- do run_query('analyze ' ~ nom) -%}
{%- endmacro %}

{% macro default__secret_creer_travail(nom) -%}create database if not exists {{ nom }}{%- endmacro %}

{% macro postgres__secret_creer_travail(nom) -%}create schema if not exists {{ nom }}{%- endmacro %}

{% macro secret_masques_spark(table) -%}
    {{- return(run_query('select count(*) from ' ~ table ~ ' where masque').columns[0].values()[0]) -}}
{%- endmacro %}

{#- Where it is called: project overrides of two macros dbt dispatches (the root project's
    spark__ version comes first), each ending with dbt-spark's own. `get_empty_subquery_sql` runs on
    the mart's SQL when its contract is checked, and when a unit test builds its empty table, before
    any statement of the mart; `create_table_as` prepares a table mart whose contract is not checked
    (a checked one went through get_empty_subquery_sql first; a temporary relation is a unit test's). -#}
{% macro spark__get_empty_subquery_sql(select_sql, select_sql_header=none) -%}
    {%- do secret_statistique_preparer_spark(select_sql) -%}
    {{- return(dbt.default__get_empty_subquery_sql(select_sql, select_sql_header)) -}}
{%- endmacro %}

{% macro spark__create_table_as(temporary, relation, compiled_code, language='sql') -%}
    {%- if language == 'sql' and not temporary and '-- aripa:secret_statistique:debut' in compiled_code
        and not config.get('contract').enforced -%}
        {%- do secret_statistique_preparer_spark(compiled_code) -%}
    {%- endif -%}
    {{- return(dbt.spark__create_table_as(temporary, relation, compiled_code, language)) -}}
{%- endmacro %}

{#- The same two entry points on PostgreSQL (postgres__secret_statistique_passes), ending with
    dbt-postgres's own. -#}
{% macro postgres__get_empty_subquery_sql(select_sql, select_sql_header=none) -%}
    {%- do secret_statistique_preparer_spark(select_sql) -%}
    {{- return(dbt.default__get_empty_subquery_sql(select_sql, select_sql_header)) -}}
{%- endmacro %}

{% macro postgres__create_table_as(temporary, relation, sql) -%}
    {%- if '-- aripa:secret_statistique:debut' in sql
        and not config.get('contract').enforced -%}
        {%- do secret_statistique_preparer_spark(sql) -%}
    {%- endif -%}
    {{- return(dbt.postgres__create_table_as(temporary, relation, sql)) -}}
{%- endmacro %}
