{#- A continuous quantile (median: 0.5) of an expression, as an aggregate. The ordered-set syntax is
    the SQL standard (DuckDB, Postgres, Snowflake); Spark spells it percentile(). -#}
{% macro quantile(expression, fraction) -%}
    {{ return(adapter.dispatch('quantile', 'aripa')(expression, fraction)) }}
{%- endmacro %}

{% macro default__quantile(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro spark__quantile(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}

{#- Sample standard deviation: stddev_samp is standard; named once here for adapters that differ. -#}
{% macro ecart_type(expression) -%}
    {{ return(adapter.dispatch('ecart_type', 'aripa')(expression)) }}
{%- endmacro %}

{% macro default__ecart_type(expression) -%}
    stddev_samp({{ expression }})
{%- endmacro %}
