-- Files received per extract and month covered, from the load manifest: how many versions came,
-- in which state each is now, and the rows of the version currently loaded (read = loaded +
-- quarantined). Counts only.
with manifeste as (

    select * from {{ ref('stg_chargement__manifeste') }}
    where statut <> 'retrait'  -- the record of a withdrawal, not a file received

)

select
    extraction,
    cast(mois_couvert as date) as mois_couvert,
    cast(count(*) as integer) as nb_versions_recues,
    cast(sum(case when statut = 'chargé' then 1 else 0 end) as integer) as nb_chargees,
    cast(sum(case when statut = 'chargé' and avec_message then 1 else 0 end) as integer) as nb_chargees_a_verifier,
    cast(sum(case when statut = 'remplacé' then 1 else 0 end) as integer) as nb_remplacees,
    cast(sum(case when statut = 'refusé' then 1 else 0 end) as integer) as nb_refusees,
    cast(sum(case when statut = 'retiré' then 1 else 0 end) as integer) as nb_retirees,
    cast(sum(case when statut = 'chargé' then lignes_lues else 0 end) as bigint) as lignes_lues,
    cast(sum(case when statut = 'chargé' then lignes_chargees else 0 end) as bigint) as lignes_chargees,
    cast(sum(case when statut = 'chargé' then lignes_quarantaine else 0 end) as bigint) as lignes_quarantaine,
    cast(sum(case when statut = 'chargé' then lignes_vides else 0 end) as bigint) as lignes_vides,
    {{ rapport("sum(case when statut = 'chargé' then lignes_quarantaine else 0 end)",
               "sum(case when statut = 'chargé' then lignes_lues else 0 end)") }} as part_lignes_quarantaine,
    max(charge_le) as dernier_chargement
from manifeste
group by extraction, mois_couvert
