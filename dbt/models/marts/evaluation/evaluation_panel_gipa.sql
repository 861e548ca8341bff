-- The département x month panel the GIPA evaluation estimates on (`aripa evaluate`): each outcome
-- read from the KPI mart that defines it, never recomputed, with the département's GIPA group and
-- dates from the reference data (seed gipa_departements). Definition in the YAML beside it.
with departements as (

    select code_departement, nom_departement, groupe_gipa, date_debut_gipa, date_generalisation_gipa
    from {{ ref('dim_departements') }}

),

taux as (

    select code_zone as code_departement, mois, montant_attendu_tc, montant_encaisse_tc, taux_recouvrement_tc
    from {{ ref('taux_recouvrement_flux_mensuel') }}
    where niveau = 'departement' and code_procedure = 'ENSEMBLE'

),

mois as (

    select distinct mois from {{ ref('taux_recouvrement_flux_mensuel') }} where niveau = 'national'

),

arrieres_pde as (

    -- Arrears collected on direct payments = (TC + arrears) collected - TC collected, PDE rows.
    select
        code_zone as code_departement,
        mois,
        montant_encaisse_tc_arrieres - montant_encaisse_tc as arrieres_pde_encaisses
    from {{ ref('taux_recouvrement_flux_mensuel') }}
    where niveau = 'departement' and code_procedure = 'PDE'

),

nouvelles_pde as (

    select code_zone as code_departement, mois, entrees as nouvelles_pde
    from {{ ref('procedures_entrees_sorties_mensuel') }}
    where niveau = 'departement' and code_procedure = 'PDE'

),

asf_complementaire as (

    select code_zone as code_departement, mois, nombre_familles as familles_asf_complementaire
    from {{ ref('asf_beneficiaires_mensuel') }}
    where niveau = 'departement' and nature_asf = 'C'

),

delais as (

    select
        code_departement,
        mois_engagement as mois,
        count(delai_jours) as nb_avec_versement,
        avg(delai_jours) as delai_moyen_premier_versement_jours
    from {{ ref('int_delai_premier_versement') }}
    where code_departement is not null
    group by code_departement, mois_engagement

)

select
    departements.code_departement,
    departements.nom_departement,
    departements.groupe_gipa,
    departements.date_debut_gipa,
    departements.date_generalisation_gipa,
    mois.mois,
    cast(coalesce(taux.montant_attendu_tc, 0) as decimal(18, 2)) as montant_attendu_tc,
    cast(coalesce(taux.montant_encaisse_tc, 0) as decimal(18, 2)) as montant_encaisse_tc,
    taux.taux_recouvrement_tc,
    cast(coalesce(arrieres_pde.arrieres_pde_encaisses, 0) as decimal(18, 2)) as arrieres_pde_encaisses,
    cast(coalesce(nouvelles_pde.nouvelles_pde, 0) as bigint) as nouvelles_pde,
    cast(coalesce(asf_complementaire.familles_asf_complementaire, 0) as bigint) as familles_asf_complementaire,
    cast(coalesce(delais.nb_avec_versement, 0) as bigint) as nb_avec_versement,
    cast(delais.delai_moyen_premier_versement_jours as double) as delai_moyen_premier_versement_jours
from departements
cross join mois
left join taux
    on departements.code_departement = taux.code_departement and mois.mois = taux.mois
left join arrieres_pde
    on departements.code_departement = arrieres_pde.code_departement and mois.mois = arrieres_pde.mois
left join nouvelles_pde
    on departements.code_departement = nouvelles_pde.code_departement and mois.mois = nouvelles_pde.mois
left join asf_complementaire
    on departements.code_departement = asf_complementaire.code_departement and mois.mois = asf_complementaire.mois
left join delais
    on departements.code_departement = delais.code_departement and mois.mois = delais.mois
