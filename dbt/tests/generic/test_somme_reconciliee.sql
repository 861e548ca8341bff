{#- The sum of a mart's column (over the rows `filtre` keeps, e.g. the national roll-up) equals the
    sum of a column of an upstream model, to the cent: nothing is lost or counted twice between the
    extracts and the published figure. -#}
{% test somme_reconciliee(model, column_name, reference, colonne_reference, filtre='1 = 1', filtre_reference='1 = 1') %}
with mart as (
    select coalesce(sum({{ column_name }}), 0) as total from {{ model }} where {{ filtre }}
),
amont as (
    select coalesce(sum({{ colonne_reference }}), 0) as total from {{ reference }} where {{ filtre_reference }}
)
select mart.total as total_mart, amont.total as total_amont
from mart cross join amont
where abs(mart.total - amont.total) > 0.005
{% endtest %}
