-- What a local Caf pilot may see of the other Cafs (issue: scopes): for each Caf (de résidence)
-- and year, its TC recovery rate next to the network's distribution of the Cafs' rates and the
-- rate of the comparable Cafs (same size class), never naming them. Built from the published Caf
-- cells of taux_recouvrement_flux_annuel only (ENSEMBLE): nothing here can be subtracted to
-- reveal a masked cell, since every input is itself published. Definition in the YAML beside it.
with cafs_publiees as (

    select
        annuel.code_zone as code_caf,
        annuel.annee,
        annuel.montant_attendu_tc,
        annuel.montant_encaisse_tc,
        annuel.taux_recouvrement_tc
    from {{ ref('taux_recouvrement_flux_annuel') }} as annuel
    where annuel.niveau = 'caf_residence'
        and annuel.code_procedure = 'ENSEMBLE'
        and annuel.est_diffusable
        and annuel.montant_attendu_tc > 0

),

classes as (

    -- Size class: quartile of the Cafs by population of their département (seed departements).
    select code_caf, ntile(4) over (order by population, code_caf) as classe_taille
    from {{ ref('dim_cafs') }}
    where population is not null

),

reseau as (

    select
        annee,
        count(*) as nb_cafs_reseau,
        {{ quantile('taux_recouvrement_tc', 0.25) }} as reseau_premier_quartile,
        {{ quantile('taux_recouvrement_tc', 0.5) }} as reseau_mediane,
        {{ quantile('taux_recouvrement_tc', 0.75) }} as reseau_troisieme_quartile
    from cafs_publiees
    group by annee

),

toutes as (

    -- Every Caf-year of the annual mart (published or not): the row a pilot reads.
    select annuel.code_zone as code_caf, annuel.annee, annuel.libelle_zone, annuel.est_diffusable
    from {{ ref('taux_recouvrement_flux_annuel') }} as annuel
    where annuel.niveau = 'caf_residence' and annuel.code_procedure = 'ENSEMBLE'

),

groupe as (

    -- The comparable Cafs of a Caf: the other published Cafs of its size class, that year.
    select
        toutes.code_caf,
        toutes.annee,
        count(autres.code_caf) as nb_cafs_comparables,
        sum(autres.montant_encaisse_tc) as encaisse_tc_comparables,
        sum(autres.montant_attendu_tc) as attendu_tc_comparables
    from toutes
    inner join classes on toutes.code_caf = classes.code_caf
    inner join classes as classes_autres
        on classes.classe_taille = classes_autres.classe_taille
        and classes_autres.code_caf <> toutes.code_caf
    inner join cafs_publiees as autres
        on autres.code_caf = classes_autres.code_caf and autres.annee = toutes.annee
    group by toutes.code_caf, toutes.annee

)

select
    'caf_residence' as niveau,
    'caf' as type_zone,
    toutes.code_caf as code_zone,
    toutes.libelle_zone,
    cast(toutes.annee as integer) as annee,
    cast(classes.classe_taille as integer) as classe_taille,
    cafs_publiees.taux_recouvrement_tc,
    cast(coalesce(groupe.nb_cafs_comparables, 0) as integer) as nb_cafs_comparables,
    {{ rapport('groupe.encaisse_tc_comparables', 'groupe.attendu_tc_comparables') }} as taux_recouvrement_tc_comparables,
    cast(reseau.nb_cafs_reseau as integer) as nb_cafs_reseau,
    cast(reseau.reseau_premier_quartile as double) as reseau_premier_quartile,
    cast(reseau.reseau_mediane as double) as reseau_mediane,
    cast(reseau.reseau_troisieme_quartile as double) as reseau_troisieme_quartile,
    toutes.est_diffusable,
    case when not toutes.est_diffusable then 'herite' end as motif_secret
from toutes
left join classes on toutes.code_caf = classes.code_caf
left join cafs_publiees on toutes.code_caf = cafs_publiees.code_caf and toutes.annee = cafs_publiees.annee
left join groupe on toutes.code_caf = groupe.code_caf and toutes.annee = groupe.annee
left join reseau on toutes.annee = reseau.annee
