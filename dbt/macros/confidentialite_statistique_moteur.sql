{#- Engines the secrecy macro can run on. Its passes read each previous pass several times; DuckDB
    (and Postgres) compute a `materialized` CTE once, but Spark's optimizer inlines every
    deterministic CTE at each reference (rule InlineCTE), so the plan grows as a power of the number
    of passes: on a six-month demo slice, the unit test of asf_beneficiaires_mensuel had not finished
    planning after 18 minutes. Rather than hang, a Spark build stops at each mart using the macro
    with this message (the other models build, and nothing is published). -#}
{% macro verifier_moteur_secret(relation) -%}
    {{ return(adapter.dispatch('verifier_moteur_secret', 'aripa')(relation)) }}
{%- endmacro %}

{% macro default__verifier_moteur_secret(relation) -%}
{%- endmacro %}

{% macro spark__verifier_moteur_secret(relation) -%}
    {%- if execute -%}
        {{ exceptions.raise_compiler_error(
            "secret_statistique (" ~ this.identifier ~ ") : les " ~ var('passes_secret_statistique')
            ~ " passes relisent chacune la précédente plusieurs fois, et Spark recopie une CTE à chaque "
            ~ "lecture (règle InlineCTE) : le plan croît exponentiellement. Pas encore disponible sur "
            ~ "Spark (README, « Running on Spark »).") }}
    {%- endif -%}
{%- endmacro %}
