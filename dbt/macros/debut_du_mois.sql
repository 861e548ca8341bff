{#- First day of the month of a date, as a date (date_trunc returns a timestamp on some engines). -#}
{% macro debut_du_mois(expression) -%}
    cast({{ dbt.date_trunc('month', expression) }} as date)
{%- endmacro %}

{#- A part of a date (year, month, day) as a number: SQL's extract, named once for adapters that differ. -#}
{% macro partie_date(partie, expression) -%}
    {{ return(adapter.dispatch('partie_date', 'aripa')(partie, expression)) }}
{%- endmacro %}

{% macro default__partie_date(partie, expression) -%}
    extract({{ partie }} from {{ expression }})
{%- endmacro %}
