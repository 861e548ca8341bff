-- What happened to the créances each month: implanted, increased, recovered (and how much of it by
-- withholding on benefits), written off, admitted as non-recoverable (non-valeur), cancelled.
{%- set niveaux = niveaux_caf_unique() %}

with mouvements as (

    select mouvements.*, creances.cle_allocataire
    from {{ ref('int_mouvements_creances') }} as mouvements
    left join {{ ref('int_creances') }} as creances on mouvements.creance_id = creances.creance_id

),

agreges as (

    {{ agreger_par_niveau('mouvements', niveaux, {'mois': 'mois', 'famille': 'famille'}, {
        'montant_implante': "sum(case when operation = 'IC' then montant else 0 end)",
        'montant_augmente': "sum(case when operation = 'DC' then montant else 0 end)",
        'montant_recouvre': "sum(case when operation = 'AD' and motif_mouvement = 'REC' then montant else 0 end)",
        'montant_recouvre_retenue_prestations': "sum(case when operation = 'AD' and motif_mouvement = 'REC' and par_retenue_prestations then montant else 0 end)",
        'montant_remis': "sum(case when operation = 'AD' and motif_mouvement = 'REM' then montant else 0 end)",
        'montant_admis_non_valeur': "sum(case when operation = 'AD' and motif_mouvement = 'ANV' then montant else 0 end)",
        'nb_admissions_non_valeur': "sum(case when operation = 'AD' and motif_mouvement = 'ANV' then 1 else 0 end)",
        'montant_annule': "sum(case when operation = 'AD' and motif_mouvement = 'ANN' then montant else 0 end)",
        'nb_creances_implantees': "sum(case when operation = 'IC' then 1 else 0 end)",
        'nb_debiteurs': 'count(distinct cle_allocataire)',
    }) }}

),

-- Secrecy: cells of fewer than the threshold's debtors (files whose créances moved), and their
-- complements over the zones (families have no total row).
{{ secret_statistique('agreges', niveaux, ['mois', 'famille'], comptage='nb_debiteurs', valeur='montant_implante + montant_recouvre') }}

select
    agreges.niveau,
    agreges.type_zone,
    agreges.code_zone,
    agreges.libelle_zone,
    agreges.mois,
    agreges.famille,
    cast(agreges.nb_creances_implantees as bigint) as nb_creances_implantees,
    cast(agreges.montant_implante as decimal(18, 2)) as montant_implante,
    cast(agreges.montant_augmente as decimal(18, 2)) as montant_augmente,
    cast(agreges.montant_recouvre as decimal(18, 2)) as montant_recouvre,
    cast(agreges.montant_recouvre_retenue_prestations as decimal(18, 2)) as montant_recouvre_retenue_prestations,
    {{ rapport('agreges.montant_recouvre_retenue_prestations', 'agreges.montant_recouvre') }}
        as part_recouvre_retenue_prestations,
    cast(agreges.montant_remis as decimal(18, 2)) as montant_remis,
    cast(agreges.nb_admissions_non_valeur as bigint) as nb_admissions_non_valeur,
    cast(agreges.montant_admis_non_valeur as decimal(18, 2)) as montant_admis_non_valeur,
    cast(agreges.montant_annule as decimal(18, 2)) as montant_annule,
    cast(agreges.nb_debiteurs as bigint) as nb_debiteurs,
    agreges.est_diffusable,
    agreges.motif_secret
from secret as agreges
