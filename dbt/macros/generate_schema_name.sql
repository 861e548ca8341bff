{#- Models land in the schema named in dbt_project.yml (staging, intermediate, marts, reference)
    rather than dbt's default "<target>_<custom>", so dashboards and reports query `marts.<model>`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
