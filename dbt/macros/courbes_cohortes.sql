{#- The recovery curves of int_cohortes_recouvrement along ONE axis (`axe`: code_procedure or
    statut_debiteur) with its ENSEMBLE row, by managing Caf and nationally, through the secrecy
    macro. Two axes in one table would be two partitions of the same total, which the secrecy
    macro's single ENSEMBLE group does not protect (one masked cell on each axis would pass its
    rule and be rebuilt by subtraction): hence one model per axis. The statut axis is computed
    first (int_courbes_cohortes_statut, unpublished with its ENSEMBLE rows); the procedure-type
    mart publishes the ENSEMBLE rows and masks every one the statut axis masked (`herite_de`),
    so a total the statut cells were protected against is never published elsewhere. -#}
{% macro courbes_cohortes(axe, herite_de=none) -%}
{%- set niveaux = ['national', 'caf_gestionnaire'] %}
{%- set horizons = [1, 3, 6, 12, 24] %}
{%- set mesures = {'nb_procedures': 'count(*)', 'nb_debiteurs': 'count(distinct cle_debiteur)', 'indice_dernier_mois': 'max(indice_dernier_mois)'} %}
{%- for h in horizons %}
    {%- do mesures.update({'attendu_' ~ h ~ '_mois': 'sum(attendu_' ~ h ~ '_mois)', 'encaisse_' ~ h ~ '_mois': 'sum(encaisse_' ~ h ~ '_mois)'}) %}
{%- endfor %}

with agreges as (

    {{ agreger_par_niveau(ref('int_cohortes_recouvrement'), niveaux, {'annee_cohorte': 'annee_cohorte', axe: axe}, mesures) }}
    union all
    {{ agreger_par_niveau(ref('int_cohortes_recouvrement'), niveaux, {'annee_cohorte': 'annee_cohorte', axe: "'ENSEMBLE'"}, mesures) }}

),

avec_herite as (

    select
        agreges.*,
        {%- if herite_de is not none %}
        coalesce(agreges.{{ axe }} = 'ENSEMBLE' and not autre_axe.est_diffusable, false) as masque_autre_axe
        {%- else %}
        false as masque_autre_axe
        {%- endif %}
    from agreges
    {%- if herite_de is not none %}
    left join {{ herite_de }} as autre_axe
        on autre_axe.niveau = agreges.niveau
        and autre_axe.code_zone = agreges.code_zone
        and autre_axe.annee_cohorte = agreges.annee_cohorte
        and autre_axe.statut_debiteur = 'ENSEMBLE'
    {%- endif %}

),

-- Secrecy: cells of fewer than the threshold's débiteurs, the ENSEMBLE cells the other axis masks,
-- and their complements over the zones and within the ENSEMBLE row. The value ordering the
-- complements is the number of procedures, the same at every horizon.
{{ secret_statistique('avec_herite', niveaux, ['annee_cohorte', axe], comptage='nb_debiteurs',
    valeur='nb_procedures', totaux=[axe], herite='masque_autre_axe') }}

select
    agreges.niveau,
    agreges.type_zone,
    agreges.code_zone,
    agreges.libelle_zone,
    cast(agreges.annee_cohorte as integer) as annee_cohorte,
    agreges.{{ axe }},
    cast(agreges.nb_procedures as bigint) as nb_procedures,
    cast(agreges.nb_debiteurs as bigint) as nb_debiteurs,
    {%- for h in horizons %}
    -- Horizon {{ h }}: observed only when the cohort's last month (December) has lived {{ h }} months
    -- within the extracts; a horizon not yet reached is empty, never a partial figure.
    case when agreges.annee_cohorte * 12 + {{ 11 + h - 1 }} <= agreges.indice_dernier_mois
        then cast(agreges.attendu_{{ h }}_mois as decimal(18, 2)) end as montant_attendu_{{ h }}_mois,
    case when agreges.annee_cohorte * 12 + {{ 11 + h - 1 }} <= agreges.indice_dernier_mois
        then cast(agreges.encaisse_{{ h }}_mois as decimal(18, 2)) end as montant_encaisse_{{ h }}_mois,
    case when agreges.annee_cohorte * 12 + {{ 11 + h - 1 }} <= agreges.indice_dernier_mois
        then {{ rapport('agreges.encaisse_' ~ h ~ '_mois', 'agreges.attendu_' ~ h ~ '_mois') }} end as taux_recouvre_{{ h }}_mois,
    {%- endfor %}
    agreges.est_diffusable,
    agreges.motif_secret
from secret as agreges
{%- endmacro %}
