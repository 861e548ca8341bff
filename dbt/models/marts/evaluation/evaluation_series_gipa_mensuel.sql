-- Treated vs control series of the TC recovery rate, month by month, for the GIPA page: the
-- département rows of `taux_recouvrement_flux_mensuel` summed by GIPA group (seed
-- gipa_departements through dim_departements). Only the département cells that are published
-- (`est_diffusable`) are summed: every figure here can be rebuilt from published cells, so it
-- reveals nothing the secrecy masked; the masked départements are counted beside each month.
with departements as (

    select code_departement, groupe_gipa from {{ ref('dim_departements') }}

),

cellules as (

    select
        departements.groupe_gipa,
        taux.mois,
        taux.est_diffusable,
        taux.montant_attendu_tc,
        taux.montant_encaisse_tc
    from {{ ref('taux_recouvrement_flux_mensuel') }} as taux
    inner join departements on taux.code_zone = departements.code_departement
    where taux.niveau = 'departement' and taux.code_procedure = 'ENSEMBLE'

),

par_groupe as (

    select
        groupe_gipa,
        mois,
        sum(case when est_diffusable then montant_attendu_tc else 0 end) as montant_attendu_tc,
        sum(case when est_diffusable then montant_encaisse_tc else 0 end) as montant_encaisse_tc,
        sum(case when est_diffusable then 1 else 0 end) as nb_departements_publies,
        sum(case when est_diffusable then 0 else 1 end) as nb_departements_masques
    from cellules
    group by groupe_gipa, mois

)

select
    groupe_gipa,
    cast(mois as date) as mois,
    cast(montant_attendu_tc as decimal(18, 2)) as montant_attendu_tc,
    cast(montant_encaisse_tc as decimal(18, 2)) as montant_encaisse_tc,
    {{ rapport('montant_encaisse_tc', 'montant_attendu_tc') }} as taux_recouvrement_tc,
    cast(nb_departements_publies as integer) as nb_departements_publies,
    cast(nb_departements_masques as integer) as nb_departements_masques
from par_groupe
