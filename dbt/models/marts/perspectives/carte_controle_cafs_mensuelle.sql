-- Control chart of each managing Caf against its own expected level: the month's case-mix-adjusted
-- ratio (int_ratio_standardise_caf_mois) against the mean and standard deviation of the same ratio
-- over the 24 months ending 3 months before (the baseline never holds the months under test), with
-- two rules: one point beyond 3 sigma, or 2 of the last 3 months beyond 2 sigma on the same side.
-- Definition and rules in the YAML beside it.
{%- set niveaux = ['caf_gestionnaire'] %}
{%- set mois_reference = var('carte_controle_mois_reference', 24) | int %}
{%- set mois_reference_min = var('carte_controle_mois_reference_min', 12) | int %}

with ratios as (

    select
        'caf_gestionnaire' as niveau,
        'caf' as type_zone,
        code_caf_gestionnaire as code_zone,
        mois,
        ratio_observe_attendu,
        nb_debiteurs
    from {{ ref('int_ratio_standardise_caf_mois') }}
    where ratio_observe_attendu is not null

),

reference as (

    select
        courant.code_zone,
        courant.mois,
        count(passe.mois) as nb_mois_reference,
        avg(passe.ratio_observe_attendu) as ratio_central,
        stddev_samp(passe.ratio_observe_attendu) as ecart_type
    from ratios as courant
    left join ratios as passe
        on passe.code_zone = courant.code_zone
        and passe.mois >= cast({{ dbt.dateadd('month', -(mois_reference + 2), 'courant.mois') }} as date)
        and passe.mois <= cast({{ dbt.dateadd('month', -3, 'courant.mois') }} as date)
    group by courant.code_zone, courant.mois

),

ecarts as (

    -- Every Caf-month of the calendar has its row (monthly marts follow dim_mois); without enough
    -- reference months, no limits and no rule.
    select
        ratios.*,
        reference.nb_mois_reference,
        case when reference.nb_mois_reference >= {{ mois_reference_min }} then reference.ratio_central end
            as ratio_central,
        case when reference.nb_mois_reference >= {{ mois_reference_min }} then reference.ecart_type end
            as ecart_type,
        case when reference.nb_mois_reference >= {{ mois_reference_min }} then
            (ratios.ratio_observe_attendu - reference.ratio_central) / nullif(reference.ecart_type, 0)
        end as ecart_reduit
    from ratios
    inner join reference on ratios.code_zone = reference.code_zone and ratios.mois = reference.mois

),

trois_mois as (

    -- The month and the two before, each read against the month's baseline (its centre and sigma).
    select
        e.code_zone,
        e.mois,
        sum(case when (r.ratio_observe_attendu - e.ratio_central) / nullif(e.ecart_type, 0) > 2 then 1 else 0 end)
            as nb_au_dessus_2_sigma,
        sum(case when (r.ratio_observe_attendu - e.ratio_central) / nullif(e.ecart_type, 0) < -2 then 1 else 0 end)
            as nb_en_dessous_2_sigma
    from ecarts as e
    inner join ratios as r
        on r.code_zone = e.code_zone
        and r.mois >= cast({{ dbt.dateadd('month', -2, 'e.mois') }} as date)
        and r.mois <= e.mois
    group by e.code_zone, e.mois

),

cartes as (

    select
        e.*,
        coalesce(abs(e.ecart_reduit) > 3, false) as regle_3_sigma,
        coalesce((e.ecart_reduit > 2 and t.nb_au_dessus_2_sigma >= 2) or (e.ecart_reduit < -2 and t.nb_en_dessous_2_sigma >= 2), false)
            as regle_2_sur_3
    from ecarts as e
    inner join trois_mois as t on e.code_zone = t.code_zone and e.mois = t.mois

),

-- Secrecy: a Caf-month of fewer than the threshold's débiteurs is masked (the only level here).
{{ secret_statistique('cartes', niveaux, ['mois'], comptage='nb_debiteurs', valeur='nb_debiteurs') }}

select
    c.niveau,
    c.type_zone,
    c.code_zone,
    zones.libelle_zone,
    c.mois,
    c.ratio_observe_attendu,
    cast(c.nb_mois_reference as integer) as nb_mois_reference,
    c.ratio_central,
    c.ecart_type,
    c.ratio_central - 3 * c.ecart_type as limite_basse_3_sigma,
    c.ratio_central + 3 * c.ecart_type as limite_haute_3_sigma,
    c.ecart_reduit,
    c.regle_3_sigma,
    c.regle_2_sur_3,
    coalesce(c.regle_3_sigma, false) or coalesce(c.regle_2_sur_3, false) as hors_controle,
    cast(c.nb_debiteurs as bigint) as nb_debiteurs,
    c.est_diffusable,
    c.motif_secret
from secret as c
left join {{ ref('dim_zones') }} as zones on c.type_zone = zones.type_zone and c.code_zone = zones.code_zone
