{#- The total of a recovery plan amount: the sum of its five components (seed 002, NSF's « Plan de
    recouvrement » screen: TC, ASFR, Arr. PA, FJ, FG), written once for every model that totals them.
    `prefixe` is the column prefix (attendu, encaisse...); `agregat` wraps each component (e.g. sum). -#}
{% macro composantes_plan() -%}
    {{ return(['tc', 'asfr', 'arrieres_pa', 'fj', 'fg']) }}
{%- endmacro %}

{% macro somme_composantes(prefixe, agregat=none) -%}
    {%- set termes = [] -%}
    {%- for c in composantes_plan() -%}
        {%- do termes.append((agregat ~ '(' ~ prefixe ~ '_' ~ c ~ ')') if agregat else (prefixe ~ '_' ~ c)) -%}
    {%- endfor -%}
    ({{ termes | join(' + ') }})
{%- endmacro %}
