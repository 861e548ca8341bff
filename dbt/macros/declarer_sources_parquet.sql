{#- The `raw` sources on an engine that does not hold the warehouse's raw tables: each table of the
    Parquet handoff (pipelines/ingestion/parquet.py, `<ARIPA_PASSAGE_BRUT>/<table>/`, partitioned
    by `_periode`) becomes an external table `raw.<table>`, its months registered. Run at the start
    of every dbt run (on-run-start). On DuckDB (the default) the raw tables are in the warehouse:
    nothing to do. Dropping an external table leaves its files: the next run declares it again over
    the current version of the handoff. -#}
{% macro declarer_sources_parquet() -%}
    {{ return(adapter.dispatch('declarer_sources_parquet', 'aripa')()) }}
{%- endmacro %}

{% macro default__declarer_sources_parquet() -%}
{%- endmacro %}

{% macro spark__declarer_sources_parquet() -%}
    {%- if execute -%}
        {%- set racine = env_var('ARIPA_PASSAGE_BRUT', '') -%}
        {%- if not racine -%}
            {{ exceptions.raise_compiler_error(
                "ARIPA_PASSAGE_BRUT n'est pas défini : chemin du passage Parquet des tables raw "
                ~ "(`aripa build --target spark` l'écrit et le définit)") }}
        {%- endif -%}
        {%- set tables = [] -%}
        {%- for source in graph.sources.values() if source.schema == 'raw' -%}
            {%- do tables.append(source.identifier) -%}
        {%- endfor -%}
        {%- do run_query('create database if not exists raw') -%}
        {%- for table in tables | unique | sort -%}
            {%- do run_query('drop table if exists raw.' ~ table) -%}
            {%- do run_query("create table raw." ~ table ~ " using parquet location '"
                ~ racine ~ "/" ~ table ~ "'") -%}
            {%- set partitions = run_query('describe table extended raw.' ~ table) -%}
            {%- if '# Partition Information' in partitions.columns[0].values() -%}
                {%- do run_query('alter table raw.' ~ table ~ ' recover partitions') -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
