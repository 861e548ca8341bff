{#- The amounts the flow recovery rates are built from: each rate is one numerator over one
    denominator, so every aggregate (months, Cafs, types) re-sums them and divides again. -#}
{% macro montants_taux_recouvrement() -%}
    {{ return([
        'montant_attendu_tc', 'montant_encaisse_tc',
        'montant_attendu_tc_arrieres', 'montant_encaisse_tc_arrieres',
        'montant_attendu_total', 'montant_encaisse_total',
        'montant_encaisse_retenue_prestations',
    ]) }}
{%- endmacro %}

{#- `sum(<alias>.m) as m` for each amount: the aggregation step of the annual and rolling marts. -#}
{% macro sommes_taux_recouvrement(alias) -%}
    {%- for m in montants_taux_recouvrement() %}
        sum({{ alias }}.{{ m }}) as {{ m }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- The published columns: each amount in euros, and each rate next to its numerator and
    denominator (rapport: null when nothing is due). -#}
{% macro colonnes_taux_recouvrement() -%}
    {%- set taux = {
        'montant_encaisse_tc': ('taux_recouvrement_tc', 'montant_attendu_tc'),
        'montant_encaisse_tc_arrieres': ('taux_recouvrement_tc_arrieres', 'montant_attendu_tc_arrieres'),
        'montant_encaisse_total': ('taux_recouvrement_total', 'montant_attendu_total'),
        'montant_encaisse_retenue_prestations': ('part_retenue_prestations', 'montant_encaisse_total'),
    } -%}
    {%- for m in montants_taux_recouvrement() %}
    cast({{ m }} as decimal(18, 2)) as {{ m }},
        {%- if m in taux %}
    {{ rapport(m, taux[m][1]) }} as {{ taux[m][0] }},
        {%- endif %}
    {%- endfor %}
{%- endmacro %}
