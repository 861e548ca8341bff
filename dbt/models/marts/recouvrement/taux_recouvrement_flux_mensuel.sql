-- Taux de recouvrement, flow reading: collected / expected per month, for the terme courant (TC),
-- TC + arrears, and every component of the plan, by procedure type and phase (with an ENSEMBLE
-- roll-up), at every geographic level. Definition in the YAML beside it.
{%- set niveaux = niveaux_procedure() %}
{%- set mesures = {
    'montant_attendu_tc': 'sum(attendu_tc)',
    'montant_encaisse_tc': 'sum(encaisse_tc)',
    'montant_attendu_tc_arrieres': 'sum(attendu_tc + attendu_arrieres_pa)',
    'montant_encaisse_tc_arrieres': 'sum(encaisse_tc + encaisse_arrieres_pa)',
    'montant_attendu_total': 'sum(attendu_total)',
    'montant_encaisse_total': 'sum(encaisse_total)',
    'montant_encaisse_retenue_prestations': 'sum(encaisse_retenue_prestations)',
    'nb_procedures': 'count(procedure_id)',
    'nb_debiteurs': 'count(distinct cle_debiteur)',
} %}
{#- One row per procedure and month (int_recouvrement_procedure_mois, tested unique), every cell
    having its month: count(procedure_id) is the number of distinct procedures. (The débiteurs'
    count through compte_distinct_si_unique, as procedures_actives_mensuel does, made this mart 20
    times slower on the demo: not kept.) #}

with mois_couverts as (

    -- Only months for which a payments extract was received: elsewhere "nothing collected" would
    -- mean "no file", not "nothing paid".
    select distinct mois_extraction as mois from {{ ref('stg_extractions__versements') }}

),

procedures as (

    -- Recovery procedures only (int_procedures.est_recouvrement: intermediation excluded).
    select * from {{ ref('int_procedures') }}
    where est_recouvrement

),

recouvrement as (

    select
        r.*,
        procedures.cle_debiteur,
        procedures.code_caf_gestionnaire,
        procedures.code_caf_residence,
        procedures.code_departement,
        procedures.code_region,
        procedures.code_procedure,
        procedures.phase_recouvrement
    from {{ ref('int_recouvrement_procedure_mois') }} as r
    inner join procedures on r.procedure_id = procedures.procedure_id
    where r.mois in (select mois from mois_couverts)

),

agreges as (

    {{ agreger_par_niveau('recouvrement', niveaux,
        {'mois': 'mois', 'code_procedure': 'code_procedure', 'phase_recouvrement': 'phase_recouvrement'},
        mesures) }}

    union all

    {{ agreger_par_niveau('recouvrement', niveaux,
        {'mois': 'mois', 'code_procedure': "'ENSEMBLE'", 'phase_recouvrement': "'ENSEMBLE'"},
        mesures) }}

),

-- Secrecy: cells of fewer than the threshold's débiteurs, and their complements over the zones
-- and over the procedure types and phases within ENSEMBLE.
{{ secret_statistique('agreges', niveaux_procedure(), ['mois', 'code_procedure', 'phase_recouvrement'],
    comptage='nb_debiteurs', valeur='montant_attendu_total',
    totaux=['code_procedure', 'phase_recouvrement']) }}

select
    agreges.niveau,
    agreges.type_zone,
    agreges.code_zone,
    agreges.libelle_zone,
    agreges.mois,
    agreges.code_procedure,
    agreges.phase_recouvrement,
    {{ colonnes_taux_recouvrement() }}
    cast(agreges.nb_procedures as bigint) as nb_procedures,
    cast(agreges.nb_debiteurs as bigint) as nb_debiteurs,
    agreges.est_diffusable,
    agreges.motif_secret
from secret as agreges
