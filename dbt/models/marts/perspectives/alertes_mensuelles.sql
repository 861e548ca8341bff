-- The monthly alert list (issue 20), for the Direction and each local pilot in their scope: every
-- cell examined by one of four rules, whether it raises an alert, why, and the figure behind it.
--   derive_caf        a managing Caf off its own expected level (carte_controle_cafs_mensuelle);
--   quarantaine       an extract whose share of lines put in quarantine jumps against its past;
--   prescription      créances being recovered that prescribe within 6 months (latest photograph);
--   saisie_4e_defail  seizures running after their third DEFAIL: the next one closes them.
-- Each family keeps the secrecy of the mart it reads (a masked cell there is masked here).
{%- set mois_reference = var('alerte_quarantaine_mois_reference', 12) | int %}
{%- set hausse_min = var('alerte_quarantaine_hausse_min', 0.01) %}
{%- set multiple_min = var('alerte_quarantaine_multiple_min', 2) %}

with derive as (

    select
        niveau, type_zone, code_zone, libelle_zone, mois,
        'derive_caf' as type_alerte,
        'ENSEMBLE' as objet,
        'carte de contrôle du ratio observé / attendu (TC, dossiers standardisés) : 1 mois au-delà de 3 écarts-types, ou 2 des 3 derniers mois au-delà de 2 du même côté ; référence : les 24 mois finissant 3 mois avant' as regle,
        'ratio' as unite,
        hors_controle as en_alerte,
        case
            when regle_3_sigma and ecart_reduit < 0 then 'sous son niveau habituel de plus de 3 écarts-types'
            when regle_3_sigma then 'au-dessus de son niveau habituel de plus de 3 écarts-types'
            when regle_2_sur_3 and ecart_reduit < 0 then '2 des 3 derniers mois sous son niveau habituel de plus de 2 écarts-types'
            when regle_2_sur_3 then '2 des 3 derniers mois au-dessus de son niveau habituel de plus de 2 écarts-types'
        end as motif,
        ratio_observe_attendu as valeur,
        ratio_central as valeur_reference,
        ecart_reduit,
        cast(null as bigint) as nombre,
        cast(null as decimal(18, 2)) as montant,
        est_diffusable,
        motif_secret
    from {{ ref('carte_controle_cafs_mensuelle') }}

),

fichiers as (

    -- Lines read and quarantined per extract and month, over the files loaded (a replaced or
    -- withdrawn file no longer counts; a refused file is reported by ingestion itself).
    select
        extraction,
        periode as mois,
        sum(lignes_lues) as lignes_lues,
        sum(lignes_quarantaine) as lignes_quarantaine,
        {{ rapport('sum(lignes_quarantaine)', 'sum(lignes_lues)') }} as part_quarantaine
    from {{ source('chargement', 'manifeste') }}
    where statut = 'chargé' and periode is not null
    group by extraction, periode

),

quarantaine_reference as (

    select
        f.extraction,
        f.mois,
        count(passe.mois) as nb_mois_reference,
        avg(passe.part_quarantaine) as part_reference
    from fichiers as f
    left join fichiers as passe
        on passe.extraction = f.extraction
        and passe.mois >= cast({{ dbt.dateadd('month', -mois_reference, 'f.mois') }} as date)
        and passe.mois < f.mois
    group by f.extraction, f.mois

),

quarantaine as (

    select
        'national' as niveau,
        'national' as type_zone,
        'FR' as code_zone,
        zones.libelle_zone,
        f.mois,
        'quarantaine' as type_alerte,
        f.extraction as objet,
        'part des lignes lues mises en quarantaine : au moins {{ multiple_min }} fois sa moyenne des {{ mois_reference }} mois précédents et {{ (hausse_min * 100) | round(1) }} point de plus ; il faut 3 mois de référence' as regle,
        'part' as unite,
        coalesce(r.nb_mois_reference >= 3
            and f.part_quarantaine - r.part_reference >= {{ hausse_min }}
            and f.part_quarantaine >= {{ multiple_min }} * r.part_reference, false) as en_alerte,
        case when r.nb_mois_reference >= 3
            and f.part_quarantaine - r.part_reference >= {{ hausse_min }}
            and f.part_quarantaine >= {{ multiple_min }} * r.part_reference
            then 'la part de lignes en quarantaine bondit par rapport aux mois précédents' end as motif,
        f.part_quarantaine as valeur,
        r.part_reference as valeur_reference,
        cast(null as double) as ecart_reduit,
        cast(f.lignes_quarantaine as bigint) as nombre,
        cast(null as decimal(18, 2)) as montant,
        true as est_diffusable,
        cast(null as {{ dbt.type_string() }}) as motif_secret
    from fichiers as f
    inner join quarantaine_reference as r on f.extraction = r.extraction and f.mois = r.mois
    left join {{ ref('dim_zones') }} as zones on zones.type_zone = 'national' and zones.code_zone = 'FR'

),

prescription as (

    select
        niveau, type_zone, code_zone, libelle_zone,
        mois_photographie as mois,
        'prescription' as type_alerte,
        famille as objet,
        'créances en cours de recouvrement dont la date de prescription tombe dans les 6 mois suivant la photographie' as regle,
        'euros' as unite,
        nb_prescription_6_mois > 0 as en_alerte,
        case when nb_prescription_6_mois > 0 then 'des créances prescrivent dans les 6 mois' end as motif,
        cast(solde_prescription_6_mois as double) as valeur,
        cast(solde_en_cours as double) as valeur_reference,
        cast(null as double) as ecart_reduit,
        nb_prescription_6_mois as nombre,
        solde_prescription_6_mois as montant,
        est_diffusable,
        motif_secret
    from {{ ref('creances_proches_prescription') }}
    where niveau in ('national', 'caf')
        and mois_photographie = (select max(mois_photographie) from {{ ref('creances_proches_prescription') }})

),

saisies as (

    select
        niveau, type_zone, code_zone, libelle_zone, mois,
        'saisie_4e_defail' as type_alerte,
        'SAISIE' as objet,
        'saisies sur prestations en cours après leur 3e DEFAIL (le 4e clôt la procédure, seed 002)' as regle,
        'saisies' as unite,
        nb_saisies_3_defail > 0 as en_alerte,
        case when nb_saisies_3_defail > 0 then 'des saisies sont à un DEFAIL de leur clôture' end as motif,
        cast(nb_saisies_3_defail as double) as valeur,
        cast(null as double) as valeur_reference,
        cast(null as double) as ecart_reduit,
        nb_saisies_3_defail as nombre,
        montant_mensuel_tc as montant,
        est_diffusable,
        motif_secret
    from {{ ref('saisies_proches_4e_defail_mensuel') }}
    where niveau in ('national', 'caf_gestionnaire')

),

toutes as (

    select * from derive
    union all
    select * from quarantaine
    union all
    select * from prescription
    union all
    select * from saisies

)

select
    niveau,
    type_zone,
    code_zone,
    libelle_zone,
    cast(mois as date) as mois,
    type_alerte,
    objet,
    regle,
    unite,
    en_alerte,
    motif,
    cast(valeur as double) as valeur,
    cast(valeur_reference as double) as valeur_reference,
    cast(ecart_reduit as double) as ecart_reduit,
    cast(nombre as bigint) as nombre,
    cast(montant as decimal(18, 2)) as montant,
    est_diffusable,
    motif_secret
from toutes
