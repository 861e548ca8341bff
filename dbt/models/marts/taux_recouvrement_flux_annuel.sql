-- Taux de recouvrement TC, flow reading, by calendar year: the monthly mart's sums over the year's
-- months with a payments extract (never an average of monthly rates).
with mensuel as (

    select * from {{ ref('taux_recouvrement_flux_mensuel') }}

)

select
    niveau,
    code_zone,
    libelle_zone,
    cast(extract(year from mois) as integer) as annee,
    cast(count(*) as integer) as nb_mois,
    cast(sum(montant_attendu_tc) as decimal(18, 2)) as montant_attendu_tc,
    cast(sum(montant_encaisse_tc) as decimal(18, 2)) as montant_encaisse_tc,
    {{ rapport('sum(montant_encaisse_tc)', 'sum(montant_attendu_tc)') }} as taux_recouvrement_tc,
    -- Publishable only if every month of the year is.
    min(case when est_diffusable then 1 else 0 end) = 1 as est_diffusable
from mensuel
group by niveau, code_zone, libelle_zone, cast(extract(year from mois) as integer)
