{#- The floating type (IEEE double) under its name on each engine: `double precision` is the SQL
    standard's (Postgres, DuckDB, Snowflake), Spark only knows `double`. Text uses dbt's own
    cross-database `dbt.type_string()`; there is no dbt macro for a double (dbt.type_float() is a
    4-byte REAL on DuckDB), hence this one. -#}
{% macro type_reel() -%}
    {{ return(adapter.dispatch('type_reel', 'aripa')()) }}
{%- endmacro %}

{% macro default__type_reel() -%}
    double precision
{%- endmacro %}

{% macro spark__type_reel() -%}
    double
{%- endmacro %}
