{#- First day of the month of a date, as a date (date_trunc returns a timestamp on some engines). -#}
{% macro debut_du_mois(expression) -%}
    cast({{ dbt.date_trunc('month', expression) }} as date)
{%- endmacro %}
