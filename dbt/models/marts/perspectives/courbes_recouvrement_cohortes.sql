-- Recovery curves by cohort (vintage analysis): for the recovery procedures engaged in a calendar
-- year, the share of the amount due recovered after 1, 3, 6, 12 and 24 months of life, by Caf,
-- procedure type and débiteur's benefit status, and nationally. Definition in the YAML beside it.
{#- By the Caf that manages (and recovers) the cases, and nationally: the curves are read per Caf
    pivot against the network's. Types and benefit statuses are two axes, each with its ENSEMBLE
    row (not crossed: the crossed cells were too small to publish, and their secondary suppression
    cost 7 GB of memory on the demo). -#}
{%- set niveaux = ['national', 'caf_gestionnaire'] %}
{%- set horizons = [1, 3, 6, 12, 24] %}

with calendrier as (

    -- The last month as an index (year x 12 + month - 1): a horizon is reached when the cohort's
    -- December has lived that many months within the extracts.
    select
        min(mois) as premier_mois,
        max({{ partie_date('year', 'mois') }} * 12 + {{ partie_date('month', 'mois') }} - 1) as indice_dernier_mois
    from {{ ref('dim_mois') }}

),

cohortes as (

    -- A procedure engaged before the first month of the extracts has no plan for its first months:
    -- its cohort would start part-way, so it is left out (not counted as a lower curve).
    select
        p.procedure_id,
        p.cle_debiteur,
        p.code_caf_gestionnaire,
        p.code_caf_residence,
        p.code_departement,
        p.code_region,
        p.code_procedure,
        coalesce(p.statut_debiteur, 'inconnu') as statut_debiteur,
        {{ debut_du_mois('p.date_engagement') }} as mois_engagement,
        cast({{ partie_date('year', 'p.date_engagement') }} as integer) as annee_cohorte
    from {{ ref('int_procedures') }} as p
    cross join calendrier
    where p.est_recouvrement
        and {{ debut_du_mois('p.date_engagement') }} >= calendrier.premier_mois

),

mois_de_vie as (

    -- Month of life of each plan line: 0 in the engagement month.
    select
        r.procedure_id,
        {{ dbt.datediff('c.mois_engagement', 'r.mois', 'month') }} as rang_mois,
        r.attendu_total,
        r.encaisse_total
    from {{ ref('int_recouvrement_procedure_mois') }} as r
    inner join cohortes as c on r.procedure_id = c.procedure_id

),

par_procedure as (

    select
        c.procedure_id,
        {%- for h in horizons %}
        coalesce(sum(case when m.rang_mois < {{ h }} then m.attendu_total end), 0) as attendu_{{ h }}_mois,
        coalesce(sum(case when m.rang_mois < {{ h }} then m.encaisse_total end), 0) as encaisse_{{ h }}_mois{{ ',' if not loop.last }}
        {%- endfor %}
    from cohortes as c
    left join mois_de_vie as m on c.procedure_id = m.procedure_id
    group by c.procedure_id

),

dossiers as (

    select c.*, {% for h in horizons %}pp.attendu_{{ h }}_mois, pp.encaisse_{{ h }}_mois{{ ', ' if not loop.last }}{% endfor %}
    from cohortes as c
    inner join par_procedure as pp on c.procedure_id = pp.procedure_id

),

{%- set mesures = {'nb_procedures': 'count(*)', 'nb_debiteurs': 'count(distinct cle_debiteur)'} %}
{%- for h in horizons %}
    {%- do mesures.update({'attendu_' ~ h ~ '_mois': 'sum(attendu_' ~ h ~ '_mois)', 'encaisse_' ~ h ~ '_mois': 'sum(encaisse_' ~ h ~ '_mois)'}) %}
{%- endfor %}

agreges as (

    {%- set croisements = [
        {'annee_cohorte': 'annee_cohorte', 'code_procedure': "'ENSEMBLE'", 'statut_debiteur': 'statut_debiteur'},
        {'annee_cohorte': 'annee_cohorte', 'code_procedure': 'code_procedure', 'statut_debiteur': "'ENSEMBLE'"},
        {'annee_cohorte': 'annee_cohorte', 'code_procedure': "'ENSEMBLE'", 'statut_debiteur': "'ENSEMBLE'"},
    ] %}
    {%- for dimensions in croisements %}
    {{ agreger_par_niveau('dossiers', niveaux, dimensions, mesures) }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

-- Secrecy: cells of fewer than the threshold's débiteurs, and their complements over the zones and
-- within the ENSEMBLE rows. The value ordering the complements is the number of procedures, the
-- same at every horizon, so a cell is masked at every horizon or at none.
{{ secret_statistique('agreges', niveaux, ['annee_cohorte', 'code_procedure', 'statut_debiteur'],
    comptage='nb_debiteurs', valeur='nb_procedures', totaux=['code_procedure', 'statut_debiteur']) }}

select
    agreges.niveau,
    agreges.type_zone,
    agreges.code_zone,
    agreges.libelle_zone,
    cast(agreges.annee_cohorte as integer) as annee_cohorte,
    agreges.code_procedure,
    agreges.statut_debiteur,
    cast(agreges.nb_procedures as bigint) as nb_procedures,
    cast(agreges.nb_debiteurs as bigint) as nb_debiteurs,
    {%- for h in horizons %}
    -- Horizon {{ h }}: observed only when the cohort's last month (December) has lived {{ h }} months
    -- within the extracts; a horizon not yet reached is empty, never a partial figure.
    case when agreges.annee_cohorte * 12 + {{ 11 + h - 1 }} <= calendrier.indice_dernier_mois
        then cast(agreges.attendu_{{ h }}_mois as decimal(18, 2)) end as montant_attendu_{{ h }}_mois,
    case when agreges.annee_cohorte * 12 + {{ 11 + h - 1 }} <= calendrier.indice_dernier_mois
        then cast(agreges.encaisse_{{ h }}_mois as decimal(18, 2)) end as montant_encaisse_{{ h }}_mois,
    case when agreges.annee_cohorte * 12 + {{ 11 + h - 1 }} <= calendrier.indice_dernier_mois
        then {{ rapport('agreges.encaisse_' ~ h ~ '_mois', 'agreges.attendu_' ~ h ~ '_mois') }} end as taux_recouvre_{{ h }}_mois,
    {%- endfor %}
    agreges.est_diffusable,
    agreges.motif_secret
from secret as agreges
cross join calendrier
