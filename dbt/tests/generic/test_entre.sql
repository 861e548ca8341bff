{#- Values of the column lie in [min, max] (nulls are allowed; add not_null when they are not). -#}
{% test entre(model, column_name, min, max) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min }} or {{ column_name }} > {{ max }}
{% endtest %}
