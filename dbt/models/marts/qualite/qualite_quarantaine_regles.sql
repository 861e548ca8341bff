-- Rows quarantined by file, field and rule: counts only (the value read never leaves `raw`).
-- A row failing two rules counts once in each; `nb_lignes` counts rows, `nb_defauts` field defects.
with quarantaine as (

    select * from {{ ref('stg_chargement__quarantaine') }}

),

fichiers as (

    -- One extract and month per file name (a replaced file keeps its name).
    select fichier, min(extraction) as extraction, min(mois_couvert) as mois_couvert
    from {{ ref('stg_chargement__manifeste') }}
    group by fichier

)

select
    quarantaine.fichier,
    fichiers.extraction,
    cast(fichiers.mois_couvert as date) as mois_couvert,
    coalesce(quarantaine.champ, '(fichier)') as champ,
    quarantaine.regle,
    cast(count(distinct quarantaine.ligne) as bigint) as nb_lignes,
    cast(count(*) as bigint) as nb_defauts
from quarantaine
left join fichiers on quarantaine.fichier = fichiers.fichier
group by quarantaine.fichier, fichiers.extraction, fichiers.mois_couvert, coalesce(quarantaine.champ, '(fichier)'),
    quarantaine.regle
