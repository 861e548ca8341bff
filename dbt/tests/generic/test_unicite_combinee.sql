{#- The combination of `colonnes` identifies each row (the grain of a mart). -#}
{% test unicite_combinee(model, colonnes) %}
select {{ colonnes | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ colonnes | join(', ') }}
having count(*) > 1
{% endtest %}
