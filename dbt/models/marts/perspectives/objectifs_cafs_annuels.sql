-- Realistic targets per Caf (004: objectives « équitables, réalistes et mobilisateurs »): next
-- year's proposed TC recovery rate for each managing Caf, from its starting point (last complete
-- year), the rate its case mix predicts (the fair comparison's expected rate) and its own trend,
-- every step of the reasoning in a column. Definition and parameters in the YAML beside it.
{%- set niveaux = ['national', 'caf_gestionnaire'] %}
{%- set part_ecart = var('objectif_part_ecart_a_combler', 0.5) %}
{%- set progression_min = var('objectif_progression_min', 0.005) %}
{%- set progression_max = var('objectif_progression_max', 0.03) %}
{%- set plafond = var('objectif_plafond', 0.95) %}

with annees_completes as (

    select {{ partie_date('year', 'mois') }} as annee
    from {{ ref('dim_mois') }}
    group by {{ partie_date('year', 'mois') }}
    having count(*) = 12

),

annee_depart as (

    select max(annee) as annee from annees_completes

),

comparaison as (

    select c.*
    from {{ ref('comparaison_cafs_standardisee_annuelle') }} as c
    where c.niveau in ({% for n in niveaux %}'{{ n }}'{{ ', ' if not loop.last }}{% endfor %})

),

depart as (

    -- The starting point (last complete year) and the same zone one and two years before.
    select
        c.niveau,
        c.type_zone,
        c.code_zone,
        c.annee as annee_depart,
        c.taux_observe,
        c.taux_attendu,
        c.ratio_observe_attendu,
        c.nb_debiteurs,
        moins_2.taux_observe as taux_observe_moins_2,
        c.est_diffusable and coalesce(moins_1.est_diffusable, true) and coalesce(moins_2.est_diffusable, true)
            as sources_diffusables
    from comparaison as c
    inner join annee_depart on c.annee = annee_depart.annee
    left join comparaison as moins_1
        on c.niveau = moins_1.niveau and c.code_zone = moins_1.code_zone and moins_1.annee = c.annee - 1
    left join comparaison as moins_2
        on c.niveau = moins_2.niveau and c.code_zone = moins_2.code_zone and moins_2.annee = c.annee - 2

),

etapes as (

    select
        depart.*,
        zones.libelle_zone,
        -- Gap to what the case mix predicts (positive: the Caf recovers less than its cases allow).
        depart.taux_attendu - depart.taux_observe as ecart_au_taux_attendu,
        -- Least-squares slope of the observed rate over the three years (x = -1, 0, 1): (y3 - y1) / 2.
        (depart.taux_observe - depart.taux_observe_moins_2) / 2 as tendance_annuelle,
        case when depart.taux_attendu > depart.taux_observe
            then (depart.taux_attendu - depart.taux_observe) * {{ part_ecart }} else 0 end as progression_rattrapage,
        case when depart.taux_observe_moins_2 is not null and depart.taux_observe > depart.taux_observe_moins_2
            then (depart.taux_observe - depart.taux_observe_moins_2) / 2 else 0 end as progression_tendance
    from depart
    left join {{ ref('dim_zones') }} as zones
        on depart.type_zone = zones.type_zone and depart.code_zone = zones.code_zone

),

retenue as (

    select
        etapes.*,
        case
            when etapes.taux_observe >= {{ plafond }} then 0
            when etapes.progression_rattrapage >= {{ progression_max }} or etapes.progression_tendance >= {{ progression_max }}
                then {{ progression_max }}
            when etapes.progression_rattrapage >= etapes.progression_tendance and etapes.progression_rattrapage >= {{ progression_min }}
                then etapes.progression_rattrapage
            when etapes.progression_tendance >= {{ progression_min }} then etapes.progression_tendance
            else {{ progression_min }}
        end as progression_brute,
        case
            when etapes.taux_observe >= {{ plafond }} then 'maintien'
            when etapes.progression_rattrapage >= {{ progression_max }} or etapes.progression_tendance >= {{ progression_max }}
                then 'plafond_progression'
            when etapes.progression_rattrapage >= etapes.progression_tendance and etapes.progression_rattrapage >= {{ progression_min }}
                then 'rattrapage'
            when etapes.progression_tendance >= {{ progression_min }} then 'tendance'
            else 'progression_minimale'
        end as fondement
    from etapes

),

-- Secrecy: the targets republish the fair comparison's cells (masked there: masked here), and a
-- cell of fewer than the threshold's débiteurs is masked.
{{ secret_statistique('retenue', niveaux, ['annee_depart'], comptage='nb_debiteurs', valeur='nb_debiteurs',
    herite='not sources_diffusables') }}

select
    r.niveau,
    r.type_zone,
    r.code_zone,
    r.libelle_zone,
    cast(r.annee_depart as integer) as annee_depart,
    cast(r.annee_depart + 1 as integer) as annee_objectif,
    r.taux_observe,
    r.taux_attendu,
    r.ratio_observe_attendu,
    r.ecart_au_taux_attendu,
    r.taux_observe_moins_2 as taux_observe_2_ans_avant,
    r.tendance_annuelle,
    r.progression_rattrapage,
    r.progression_tendance,
    -- The objective never passes the ceiling.
    case when r.taux_observe + r.progression_brute > {{ plafond }} and r.fondement <> 'maintien'
        then {{ plafond }} - r.taux_observe else r.progression_brute end as progression_retenue,
    case when r.fondement = 'maintien' then r.taux_observe
        when r.taux_observe + r.progression_brute > {{ plafond }} then {{ plafond }}
        else r.taux_observe + r.progression_brute end as objectif_taux,
    r.fondement,
    cast(r.nb_debiteurs as bigint) as nb_debiteurs,
    r.est_diffusable,
    r.motif_secret
from secret as r
