{#- How an incremental model replaces the months it recomputes, per engine: the same result, the
    months touched by the new rows replaced whole, the other months kept.
    - DuckDB (and the default): delete+insert on the month, the unique_key.
    - Spark: delete+insert does not exist; insert_overwrite of the month partitions (dbt-spark turns
      on dynamic partition overwrite, so only the partitions present in the new rows are replaced).
    Used as `config(materialized='incremental', **incrementale_mensuelle('mois'))`. -#}
{% macro incrementale_mensuelle(colonne_mois) -%}
    {{ return(adapter.dispatch('incrementale_mensuelle', 'aripa')(colonne_mois)) }}
{%- endmacro %}

{% macro default__incrementale_mensuelle(colonne_mois) -%}
    {{ return({'incremental_strategy': 'delete+insert', 'unique_key': colonne_mois}) }}
{%- endmacro %}

{% macro spark__incrementale_mensuelle(colonne_mois) -%}
    {{ return({
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [colonne_mois],
        'file_format': 'parquet',
    }) }}
{%- endmacro %}
