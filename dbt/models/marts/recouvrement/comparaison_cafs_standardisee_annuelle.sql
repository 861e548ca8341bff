-- Fair comparison of Cafs (004: objectives that take "la structure de son fichier" into account):
-- TC recovered against what the Caf would recover at national rates given its case mix (indirect
-- standardisation), with a 95 % confidence interval. Definition in the YAML beside it.
{%- set niveaux = niveaux_procedure() %}

with procedures as (

    select * from {{ ref('int_procedures') }}
    where est_recouvrement

),

dossiers as (

    select
        a.procedure_id,
        a.annee,
        a.attendu_tc,
        a.encaisse_tc,
        procedures.cle_debiteur,
        procedures.code_caf_gestionnaire,
        procedures.code_caf_residence,
        procedures.code_departement,
        procedures.code_region,
        -- Stratum: procedure type x age of the debt at engagement x débiteur's benefits. An
        -- unknown value is a stratum of its own: the join below would otherwise drop the case.
        procedures.code_procedure,
        coalesce(procedures.anciennete_dette, 'inconnu') as anciennete_dette,
        coalesce(procedures.statut_debiteur, 'inconnu') as statut_debiteur
    from {{ ref('int_recouvrement_procedure_annee') }} as a
    inner join procedures on a.procedure_id = procedures.procedure_id
    where a.attendu_tc > 0

),

taux_nationaux as (

    select
        annee, code_procedure, anciennete_dette, statut_debiteur,
        {{ rapport('sum(encaisse_tc)', 'sum(attendu_tc)') }} as taux_strate
    from dossiers
    group by annee, code_procedure, anciennete_dette, statut_debiteur

),

attendus as (

    -- Each case-year's expected recovery at its stratum's national rate, and its residual (the
    -- variance of the observed total is estimated by the sum of squared residuals).
    select
        dossiers.*,
        dossiers.attendu_tc * taux_nationaux.taux_strate as encaisse_attendu_tc,
        (dossiers.encaisse_tc - dossiers.attendu_tc * taux_nationaux.taux_strate)
        * (dossiers.encaisse_tc - dossiers.attendu_tc * taux_nationaux.taux_strate) as residu_carre
    from dossiers
    inner join taux_nationaux
        on dossiers.annee = taux_nationaux.annee
        and dossiers.code_procedure = taux_nationaux.code_procedure
        and dossiers.anciennete_dette = taux_nationaux.anciennete_dette
        and dossiers.statut_debiteur = taux_nationaux.statut_debiteur

),

agreges as (

    {{ agreger_par_niveau('attendus', niveaux, {'annee': 'annee'}, {
        'montant_attendu_tc': 'sum(attendu_tc)',
        'montant_encaisse_tc': 'sum(encaisse_tc)',
        'encaisse_attendu_tc': 'sum(encaisse_attendu_tc)',
        'variance_encaisse': 'sum(residu_carre)',
        'nb_debiteurs': 'count(distinct cle_debiteur)',
    }) }}

),

annuel_masque as (

    -- TC due and collected of a zone-year are also in taux_recouvrement_flux_annuel (ENSEMBLE):
    -- published here only where they are published there.
    select niveau, code_zone, annee, est_diffusable
    from {{ ref('taux_recouvrement_flux_annuel') }}
    where code_procedure = 'ENSEMBLE'

),

avec_flux as (

    select agreges.*, annuel_masque.est_diffusable as flux_diffusable
    from agreges
    left join annuel_masque
        on agreges.niveau = annuel_masque.niveau
        and agreges.code_zone = annuel_masque.code_zone
        and agreges.annee = annuel_masque.annee

),

-- Secrecy: cells of fewer than the threshold's débiteurs, cells masked in the annual flow mart,
-- and their complements over the zones.
{{ secret_statistique('avec_flux', niveaux, ['annee'], comptage='nb_debiteurs', valeur='montant_attendu_tc',
    herite='not flux_diffusable') }}

select
    agreges.niveau,
    agreges.type_zone,
    agreges.code_zone,
    agreges.libelle_zone,
    cast(agreges.annee as integer) as annee,
    cast(agreges.montant_attendu_tc as decimal(18, 2)) as montant_attendu_tc,
    cast(agreges.montant_encaisse_tc as decimal(18, 2)) as montant_encaisse_tc,
    cast(agreges.encaisse_attendu_tc as decimal(18, 2)) as encaisse_attendu_tc,
    sqrt(agreges.variance_encaisse) as ecart_type_encaisse,
    {{ rapport('agreges.montant_encaisse_tc', 'agreges.montant_attendu_tc') }} as taux_observe,
    {{ rapport('agreges.encaisse_attendu_tc', 'agreges.montant_attendu_tc') }} as taux_attendu,
    {{ rapport('agreges.montant_encaisse_tc', 'agreges.encaisse_attendu_tc') }} as ratio_observe_attendu,
    -- No interval nationally: O and E are the same sum there, the ratio is 1 by construction.
    case when agreges.niveau <> 'national' then
        {{ rapport('agreges.montant_encaisse_tc - 1.96 * sqrt(agreges.variance_encaisse)', 'agreges.encaisse_attendu_tc') }}
    end as ratio_ic95_bas,
    case when agreges.niveau <> 'national' then
        {{ rapport('agreges.montant_encaisse_tc + 1.96 * sqrt(agreges.variance_encaisse)', 'agreges.encaisse_attendu_tc') }}
    end as ratio_ic95_haut,
    -- An outlier: the interval leaves out 1 (the Caf recovers more, or less, than its caseload predicts).
    case
        when agreges.niveau = 'national' then null
        when {{ rapport('agreges.montant_encaisse_tc - 1.96 * sqrt(agreges.variance_encaisse)', 'agreges.encaisse_attendu_tc') }} > 1
            then 'au_dessus'
        when {{ rapport('agreges.montant_encaisse_tc + 1.96 * sqrt(agreges.variance_encaisse)', 'agreges.encaisse_attendu_tc') }} < 1
            then 'en_dessous'
        when agreges.encaisse_attendu_tc > 0 then 'dans_l_intervalle'
    end as position_ic95,
    cast(agreges.nb_debiteurs as bigint) as nb_debiteurs,
    agreges.est_diffusable,
    agreges.motif_secret
from secret as agreges
