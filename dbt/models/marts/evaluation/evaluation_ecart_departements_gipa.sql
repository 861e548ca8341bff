-- Each experimental département's TC recovery rate before and after its own GIPA start, against
-- the non-experimental départements over the same months (a descriptive difference of
-- differences, no uncertainty: the estimates with their intervals are `aripa evaluate`'s).
-- Before: the 12 months before the département's start; after: from the start to the month
-- before the generalisation. Published département cells only (as evaluation_series_gipa_mensuel).
with departements as (

    select code_departement, nom_departement, groupe_gipa, date_debut_gipa, date_generalisation_gipa
    from {{ ref('dim_departements') }}

),

cellules as (

    select code_zone as code_departement, mois, montant_attendu_tc, montant_encaisse_tc
    from {{ ref('taux_recouvrement_flux_mensuel') }}
    where niveau = 'departement' and code_procedure = 'ENSEMBLE' and est_diffusable

),

fenetres as (

    -- Each experimental département's two windows.
    select
        code_departement,
        nom_departement,
        date_debut_gipa,
        {{ dbt.dateadd('month', -12, 'date_debut_gipa') }} as debut_avant,
        {{ dbt.dateadd('month', -1, 'date_generalisation_gipa') }} as fin_apres
    from departements
    where groupe_gipa = 'experimental' and date_debut_gipa is not null

),

traites as (

    select
        fenetres.code_departement,
        sum(case when cellules.mois < fenetres.date_debut_gipa then cellules.montant_encaisse_tc else 0 end) as encaisse_avant,
        sum(case when cellules.mois < fenetres.date_debut_gipa then cellules.montant_attendu_tc else 0 end) as attendu_avant,
        sum(case when cellules.mois >= fenetres.date_debut_gipa then cellules.montant_encaisse_tc else 0 end) as encaisse_apres,
        sum(case when cellules.mois >= fenetres.date_debut_gipa then cellules.montant_attendu_tc else 0 end) as attendu_apres,
        sum(case when cellules.mois < fenetres.date_debut_gipa then 1 else 0 end) as nb_mois_avant,
        sum(case when cellules.mois >= fenetres.date_debut_gipa then 1 else 0 end) as nb_mois_apres
    from fenetres
    inner join cellules
        on fenetres.code_departement = cellules.code_departement
        and cellules.mois >= fenetres.debut_avant
        and cellules.mois <= fenetres.fin_apres
    group by fenetres.code_departement

),

temoins as (

    -- The non-experimental départements over each experimental département's windows.
    select
        fenetres.code_departement,
        sum(case when cellules.mois < fenetres.date_debut_gipa then cellules.montant_encaisse_tc else 0 end) as encaisse_avant,
        sum(case when cellules.mois < fenetres.date_debut_gipa then cellules.montant_attendu_tc else 0 end) as attendu_avant,
        sum(case when cellules.mois >= fenetres.date_debut_gipa then cellules.montant_encaisse_tc else 0 end) as encaisse_apres,
        sum(case when cellules.mois >= fenetres.date_debut_gipa then cellules.montant_attendu_tc else 0 end) as attendu_apres
    from fenetres
    cross join departements as temoin
    inner join cellules
        on temoin.code_departement = cellules.code_departement
        and cellules.mois >= fenetres.debut_avant
        and cellules.mois <= fenetres.fin_apres
    where temoin.groupe_gipa = 'non_experimental'
    group by fenetres.code_departement

),

taux as (

    select
        fenetres.code_departement,
        fenetres.nom_departement,
        fenetres.date_debut_gipa,
        traites.nb_mois_avant,
        traites.nb_mois_apres,
        {{ rapport('traites.encaisse_avant', 'traites.attendu_avant') }} as taux_avant,
        {{ rapport('traites.encaisse_apres', 'traites.attendu_apres') }} as taux_apres,
        {{ rapport('temoins.encaisse_avant', 'temoins.attendu_avant') }} as taux_temoins_avant,
        {{ rapport('temoins.encaisse_apres', 'temoins.attendu_apres') }} as taux_temoins_apres
    from fenetres
    left join traites on fenetres.code_departement = traites.code_departement
    left join temoins on fenetres.code_departement = temoins.code_departement

)

select
    code_departement,
    nom_departement,
    cast(date_debut_gipa as date) as date_debut_gipa,
    cast(coalesce(nb_mois_avant, 0) as integer) as nb_mois_avant,
    cast(coalesce(nb_mois_apres, 0) as integer) as nb_mois_apres,
    taux_avant,
    taux_apres,
    taux_temoins_avant,
    taux_temoins_apres,
    cast((taux_apres - taux_avant) - (taux_temoins_apres - taux_temoins_avant) as double) as ecart_double_difference
from taux
