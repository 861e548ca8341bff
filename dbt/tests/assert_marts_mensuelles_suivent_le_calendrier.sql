-- Issue 12: every monthly mart follows the one calendar, dim_mois (the months the loaded extracts
-- cover). Every mart with a `mois` column is checked (read from the project's graph, so a new
-- monthly mart is covered without editing this test): a returned row is a mart with a month
-- outside the calendar, or a mart whose first month is not the calendar's first month. dbt needs
-- the refs named at parse time: a new monthly mart missing from this list makes the test error
-- (dbt asks for its depends_on line), never pass unchecked.
-- depends_on: {{ ref('alertes_mensuelles') }}
-- depends_on: {{ ref('asf_beneficiaires_mensuel') }}
-- depends_on: {{ ref('carte_controle_cafs_mensuelle') }}
-- depends_on: {{ ref('creances_mouvements_mensuel') }}
-- depends_on: {{ ref('evaluation_panel_gipa') }}
-- depends_on: {{ ref('evaluation_series_gipa_mensuel') }}
-- depends_on: {{ ref('procedures_actives_mensuel') }}
-- depends_on: {{ ref('procedures_entrees_sorties_mensuel') }}
-- depends_on: {{ ref('saisies_prestations_mensuel') }}
-- depends_on: {{ ref('saisies_proches_4e_defail_mensuel') }}
-- depends_on: {{ ref('taux_recouvrement_flux_mensuel') }}
-- depends_on: {{ ref('taux_recouvrement_glissant_12_mois') }}
{%- set marts = [] %}
{%- if execute %}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.fqn[1] == 'marts' and node.name != 'dim_mois'
        and 'mois' in node.columns %}
        {%- do marts.append(node.name) %}
    {%- endfor %}
{%- endif %}

with calendrier as (

    select mois from {{ ref('dim_mois') }}

),

{%- for mart in marts | sort %}

{{ mart }}_mois as (

    select distinct mois from {{ ref(mart) }}

),
{%- endfor %}

ecarts as (
{%- for mart in marts | sort %}

    select '{{ mart }}' as mart, mois, 'hors calendrier' as ecart
    from {{ mart }}_mois
    where mois not in (select mois from calendrier)

    union all

    select '{{ mart }}' as mart, min(mois) as mois, 'premier mois autre que celui du calendrier' as ecart
    from {{ mart }}_mois
    having min(mois) <> (select min(mois) from calendrier)
    {{ 'union all' if not loop.last }}
{%- endfor %}

)

select * from ecarts
