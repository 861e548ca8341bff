-- Seizures on benefits (seed 002): the stock of seizure procedures at month end and what they
-- recovered (both read from the catalogue's marts, not recomputed), with the month's events:
-- DEFAIL notices, suspensions, seizures stopped and closed on a 4th DEFAIL.
{%- set niveaux = niveaux_procedure() %}

with stock as (

    select niveau, type_zone, code_zone, libelle_zone, mois, sum(procedures_actives) as saisies_actives
    from {{ ref('procedures_actives_mensuel') }}
    where code_procedure = 'SAISIE'
    group by niveau, type_zone, code_zone, libelle_zone, mois

),

recouvre as (

    select niveau, code_zone, mois, montant_encaisse_total, montant_encaisse_retenue_prestations
    from {{ ref('taux_recouvrement_flux_mensuel') }}
    where code_procedure = 'SAISIE'

),

evenements as (

    select
        e.*,
        {{ debut_du_mois('e.date_evenement') }} as mois,
        p.code_caf_gestionnaire,
        p.code_caf_residence,
        p.code_departement,
        p.code_region
    from {{ ref('stg_extractions__evenements') }} as e
    inner join {{ ref('int_procedures') }} as p on e.procedure_id = p.procedure_id

),

evenements_agreges as (

    {{ agreger_par_niveau('evenements', niveaux, {'mois': 'mois'}, {
        'nb_defail': "sum(case when type_evenement = 'DEFAIL' then 1 else 0 end)",
        'nb_suspensions': "sum(case when type_evenement = 'SUSPENSION' then 1 else 0 end)",
        'nb_prp_insuffisant': "sum(case when type_evenement = 'PRP_INSUFFISANT' then 1 else 0 end)",
        'nb_arrets': "sum(case when suite = 'ARRET' then 1 else 0 end)",
        'nb_clotures_4e_defail': "sum(case when suite = 'CLOTURE' then 1 else 0 end)",
    }) }}

)

select
    stock.niveau,
    stock.type_zone,
    stock.code_zone,
    stock.libelle_zone,
    stock.mois,
    cast(stock.saisies_actives as bigint) as saisies_actives,
    cast(coalesce(recouvre.montant_encaisse_total, 0) as decimal(18, 2)) as montant_recouvre,
    cast(coalesce(recouvre.montant_encaisse_retenue_prestations, 0) as decimal(18, 2))
        as montant_recouvre_retenue_prestations,
    cast(coalesce(evenements_agreges.nb_defail, 0) as bigint) as nb_defail,
    cast(coalesce(evenements_agreges.nb_suspensions, 0) as bigint) as nb_suspensions,
    cast(coalesce(evenements_agreges.nb_prp_insuffisant, 0) as bigint) as nb_prp_insuffisant,
    cast(coalesce(evenements_agreges.nb_arrets, 0) as bigint) as nb_arrets,
    cast(coalesce(evenements_agreges.nb_clotures_4e_defail, 0) as bigint) as nb_clotures_4e_defail
from stock
left join recouvre
    on stock.niveau = recouvre.niveau
    and stock.code_zone = recouvre.code_zone
    and stock.mois = recouvre.mois
left join evenements_agreges
    on stock.niveau = evenements_agreges.niveau
    and stock.code_zone = evenements_agreges.code_zone
    and stock.mois = evenements_agreges.mois
