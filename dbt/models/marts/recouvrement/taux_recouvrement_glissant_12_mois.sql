-- Taux de recouvrement over a rolling ("glissante", 004) window of the 12 months ending with each
-- month: the monthly mart's numerators and denominators summed over the window, then divided.
with mensuel as (

    select * from {{ ref('taux_recouvrement_flux_mensuel') }}

),

mois_couverts as (

    select distinct mois from mensuel

),

fenetres as (

    -- Each month with an extract, and how many of the 12 months of its window have one.
    select
        fin.mois as mois_fin,
        cast({{ dbt.dateadd('month', -11, 'fin.mois') }} as date) as mois_debut,
        count(*) as nb_mois_couverts
    from mois_couverts as fin
    inner join mois_couverts as m
        on m.mois <= fin.mois
        and m.mois >= cast({{ dbt.dateadd('month', -11, 'fin.mois') }} as date)
    group by fin.mois

),

glissant as (

    select
        mensuel.niveau,
        mensuel.type_zone,
        mensuel.code_zone,
        mensuel.libelle_zone,
        fenetres.mois_fin as mois,
        mensuel.code_procedure,
        mensuel.phase_recouvrement,
        fenetres.nb_mois_couverts,
        {{ sommes_taux_recouvrement('mensuel') }},
        min(case when mensuel.est_diffusable then 1 else 0 end) = 1 as mois_diffusables
    from fenetres
    inner join mensuel
        on mensuel.mois <= fenetres.mois_fin
        and mensuel.mois >= fenetres.mois_debut
    group by mensuel.niveau, mensuel.type_zone, mensuel.code_zone, mensuel.libelle_zone,
        fenetres.mois_fin, mensuel.code_procedure, mensuel.phase_recouvrement, fenetres.nb_mois_couverts

),

-- Secrecy: a window is masked when one of its months is (herite), then complemented over the zones
-- and the types within ENSEMBLE like the monthly mart.
{{ secret_statistique('glissant', niveaux_procedure(), ['mois', 'code_procedure', 'phase_recouvrement'],
    valeur='montant_attendu_total', totaux=['code_procedure', 'phase_recouvrement'],
    herite='not mois_diffusables') }}

select
    niveau,
    type_zone,
    code_zone,
    libelle_zone,
    mois,
    code_procedure,
    phase_recouvrement,
    cast(nb_mois_couverts as integer) as nb_mois_couverts,
    nb_mois_couverts = 12 as est_complet,
    {{ colonnes_taux_recouvrement() }}
    est_diffusable,
    motif_secret
from secret
