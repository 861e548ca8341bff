{#- A rate: numerator / denominator as a double, null when the denominator is zero.
    Every rate of the catalogue goes through this macro, so its floating type is chosen per adapter
    in one place (decimal / decimal stays decimal on some engines and truncates). -#}
{% macro rapport(numerateur, denominateur) -%}
    {{ return(adapter.dispatch('rapport', 'aripa')(numerateur, denominateur)) }}
{%- endmacro %}

{% macro default__rapport(numerateur, denominateur) -%}
    cast({{ numerateur }} as double precision) / nullif(cast({{ denominateur }} as double precision), 0)
{%- endmacro %}

{% macro duckdb__rapport(numerateur, denominateur) -%}
    cast({{ numerateur }} as double) / nullif(cast({{ denominateur }} as double), 0)
{%- endmacro %}

{% macro spark__rapport(numerateur, denominateur) -%}
    cast({{ numerateur }} as double) / nullif(cast({{ denominateur }} as double), 0)
{%- endmacro %}
