{#- The rows of a photograph extract (procedures, créances: the whole stock every month) that come
    from the most recent photograph each key appears in: the current state of each key. -#}
{% macro derniere_photographie(relation, cle) -%}
    select photographies.*
    from {{ relation }} as photographies
    inner join (
        select {{ cle }}, max(mois_extraction) as mois_extraction
        from {{ relation }}
        group by {{ cle }}
    ) as dernieres
        on photographies.{{ cle }} = dernieres.{{ cle }}
        and photographies.mois_extraction = dernieres.mois_extraction
{%- endmacro %}
