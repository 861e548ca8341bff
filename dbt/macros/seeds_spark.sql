{#- Seed loading on Spark: a project override of dbt-spark's own macro (dbt looks in the root project
    first for `spark__load_csv_rows`). dbt-spark's session method pastes each value between quotes
    without escaping, so « Côtes-d'Armor » breaks the statement, and sends an empty cell as the
    text 'None' (a seed's null became the four letters). Here each value is written as a SQL
    literal: null for an empty cell, true/false, numbers as they are, text and dates quoted with
    quote and backslash escaped (Spark reads backslash escapes in string literals), then cast to
    the seed's column type as dbt-spark does. No bindings: nothing is left to the driver. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
  {% set batch_size = get_batch_size() %}
  {% set column_override = model['config'].get('column_types', {}) %}
  {% set statements = [] %}

  {% for chunk in agate_table.rows | batch(batch_size) %}
      {% set sql %}
          insert into {{ this.render() }} values
          {% for row in chunk -%}
              ({%- for col_name in agate_table.column_names -%}
                  {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                  {%- set type = column_override.get(col_name, inferred_type) -%}
                  cast({{ litteral_seed_spark(row[loop.index0]) }} as {{ type }})
                  {%- if not loop.last %},{% endif -%}
              {%- endfor -%})
              {%- if not loop.last %},{% endif %}
          {% endfor %}
      {% endset %}

      {% do adapter.add_query(sql, abridge_sql_log=True) %}

      {% if loop.index0 == 0 %}
          {% do statements.append(sql) %}
      {% endif %}
  {% endfor %}

  {{ return(statements[0]) }}
{% endmacro %}


{% macro litteral_seed_spark(valeur) -%}
    {%- if valeur is none -%}
        null
    {%- elif valeur is sameas true -%}
        true
    {%- elif valeur is sameas false -%}
        false
    {%- elif valeur is number -%}
        {{ valeur }}
    {%- else -%}
        '{{ (valeur | string) | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
