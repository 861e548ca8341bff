-- Taux de recouvrement, flow reading, by calendar year: the monthly mart's numerators and
-- denominators summed over the months of the year that have a payments extract, then divided.
with mensuel as (

    select * from {{ ref('taux_recouvrement_flux_mensuel') }}

),

annuel as (

    select
        niveau,
        type_zone,
        code_zone,
        libelle_zone,
        {{ partie_date('year', 'mois') }} as annee,
        code_procedure,
        phase_recouvrement,
        count(*) as nb_mois,
        {{ sommes_taux_recouvrement('mensuel') }},
        min(case when est_diffusable then 1 else 0 end) = 1 as mois_diffusables
    from mensuel
    group by niveau, type_zone, code_zone, libelle_zone, {{ partie_date('year', 'mois') }},
        code_procedure, phase_recouvrement

),

-- Secrecy: a year is masked when one of its months is (herite), then complemented over the zones
-- and the types within ENSEMBLE like the monthly mart.
{{ secret_statistique('annuel', niveaux_procedure(), ['annee', 'code_procedure', 'phase_recouvrement'],
    valeur='montant_attendu_total', totaux=['code_procedure', 'phase_recouvrement'],
    herite='not mois_diffusables') }}

select
    niveau,
    type_zone,
    code_zone,
    libelle_zone,
    cast(annee as integer) as annee,
    code_procedure,
    phase_recouvrement,
    cast(nb_mois as integer) as nb_mois,
    {{ colonnes_taux_recouvrement() }}
    est_diffusable,
    motif_secret
from secret
