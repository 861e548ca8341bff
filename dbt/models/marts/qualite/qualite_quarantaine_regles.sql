-- Rows quarantined by file, field and rule: counts only (the value read never leaves `raw`).
-- A row failing two rules counts once in each; `nb_lignes` counts rows, `nb_defauts` field defects;
-- `nb_lignes_regle` counts the file's rows failing the rule on any field (a row failing it on two
-- fields once), the same on each field's row of that file and rule.
with quarantaine as (

    select * from {{ ref('stg_chargement__quarantaine') }}

),

fichiers as (

    -- One extract and month per file name (a replaced file keeps its name).
    select fichier, min(extraction) as extraction, min(mois_couvert) as mois_couvert
    from {{ ref('stg_chargement__manifeste') }}
    group by fichier

),

par_regle as (

    select fichier, regle, cast(count(distinct ligne) as bigint) as nb_lignes_regle
    from quarantaine
    group by fichier, regle

)

select
    quarantaine.fichier,
    fichiers.extraction,
    cast(fichiers.mois_couvert as date) as mois_couvert,
    coalesce(quarantaine.champ, '(fichier)') as champ,
    quarantaine.regle,
    cast(count(distinct quarantaine.ligne) as bigint) as nb_lignes,
    cast(count(*) as bigint) as nb_defauts,
    max(par_regle.nb_lignes_regle) as nb_lignes_regle
from quarantaine
left join fichiers on quarantaine.fichier = fichiers.fichier
inner join par_regle on quarantaine.fichier = par_regle.fichier and quarantaine.regle = par_regle.regle
group by quarantaine.fichier, fichiers.extraction, fichiers.mois_couvert, coalesce(quarantaine.champ, '(fichier)'),
    quarantaine.regle
