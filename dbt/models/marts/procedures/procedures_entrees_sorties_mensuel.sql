-- Entries and exits of procedures each month, exits by closure reason (000), at every level.
{%- set niveaux = niveaux_procedure() %}
{%- set motifs = ['SOLDE', 'DEFAIL', 'SUSP', 'PRP', 'INSOLV', 'REPRISE', 'AUTRE'] %}

with procedures as (

    select * from {{ ref('int_procedures') }}
    where stade <> 'SIM'

),

mouvements as (

    select
        procedure_id, cle_debiteur, code_caf_gestionnaire, code_caf_residence, code_departement, code_region,
        code_procedure, {{ debut_du_mois('date_engagement') }} as mois,
        1 as entree, 0 as sortie, cast(null as {{ dbt.type_string() }}) as motif_cloture
    from procedures

    union all

    select
        procedure_id, cle_debiteur, code_caf_gestionnaire, code_caf_residence, code_departement, code_region,
        code_procedure, {{ debut_du_mois('date_cloture') }} as mois,
        0 as entree, 1 as sortie, motif_cloture
    from procedures
    where date_cloture is not null

),

au_calendrier as (

    -- The one calendar (dim_mois): a procedure engaged before the first month the extracts cover
    -- is in the stock from that month, not an entry of a month outside it.
    select * from mouvements
    where mois in (select mois from {{ ref('dim_mois') }})

),

{%- set mesures = {'entrees': 'sum(entree)', 'sorties': 'sum(sortie)'} %}
{%- for motif in motifs %}
    {%- do mesures.update({'sorties_' ~ motif | lower: "sum(case when motif_cloture = '" ~ motif ~ "' then 1 else 0 end)"}) %}
{%- endfor %}

agreges as (

    {{ agreger_par_niveau('au_calendrier', niveaux, {'mois': 'mois', 'code_procedure': 'code_procedure'},
        dict(mesures, nb_debiteurs='count(distinct cle_debiteur)')) }}

),

-- Secrecy: cells of fewer than the threshold's débiteurs (entering or leaving), and their
-- complements over the zones (types have no total row here).
{{ secret_statistique('agreges', niveaux, ['mois', 'code_procedure'], comptage='nb_debiteurs', valeur='entrees + sorties') }}

select
    agreges.niveau,
    agreges.type_zone,
    agreges.code_zone,
    agreges.libelle_zone,
    agreges.mois,
    agreges.code_procedure,
    {%- for nom in mesures %}
    cast(agreges.{{ nom }} as bigint) as {{ nom }},
    {%- endfor %}
    {{ rapport('agreges.sorties_solde', 'agreges.sorties') }} as part_sorties_soldees,
    cast(agreges.nb_debiteurs as bigint) as nb_debiteurs,
    agreges.est_diffusable,
    agreges.motif_secret
from secret as agreges
