-- The data quality of each month's extracts (issue 16, the committee report's "qualité des données";
-- the dashboards' data-quality page may read it too): per month covered and extract, the files
-- received and what became of them, the rows read, loaded and quarantined (regle = 'ENSEMBLE'),
-- and the rows quarantined by rule (one row per rule). Every calendar month has its ENSEMBLE row
-- for every extract ever received, so a month with no file reads 0 files, not a missing line.
with calendrier as (

    select mois from {{ ref('dim_mois') }}

),

manifeste as (

    -- The `retrait` rows record a withdrawal (the file itself is the `retiré` row): not a file.
    select fichier, extraction, periode as mois, statut, message,
        lignes_lues, lignes_chargees, lignes_quarantaine, lignes_vides
    from {{ source('chargement', 'manifeste') }}
    where statut <> 'retrait'

),

extractions as (

    select distinct extraction from manifeste

),

fichiers as (

    -- Rows are counted on the files loaded now (statut chargé): a replaced or withdrawn file's rows
    -- have left the warehouse, a refused file loaded none.
    select
        mois,
        extraction,
        cast(count(*) as bigint) as fichiers_recus,
        cast(sum(case when statut = 'chargé' then 1 else 0 end) as bigint) as fichiers_charges,
        cast(sum(case when statut = 'chargé' and message is not null and message <> '' then 1 else 0 end) as bigint)
            as fichiers_a_verifier,
        cast(sum(case when statut = 'refusé' then 1 else 0 end) as bigint) as fichiers_refuses,
        cast(sum(case when statut = 'remplacé' then 1 else 0 end) as bigint) as fichiers_remplaces,
        cast(sum(case when statut = 'retiré' then 1 else 0 end) as bigint) as fichiers_retires,
        cast(sum(case when statut = 'chargé' then lignes_lues else 0 end) as bigint) as lignes_lues,
        cast(sum(case when statut = 'chargé' then lignes_chargees else 0 end) as bigint) as lignes_chargees,
        cast(sum(case when statut = 'chargé' then lignes_quarantaine else 0 end) as bigint) as lignes_quarantaine,
        cast(sum(case when statut = 'chargé' then lignes_vides else 0 end) as bigint) as lignes_vides
    from manifeste
    group by mois, extraction

),

ensemble as (

    select
        calendrier.mois,
        extractions.extraction,
        cast('ENSEMBLE' as {{ dbt.type_string() }}) as regle,
        coalesce(fichiers.fichiers_recus, 0) as fichiers_recus,
        coalesce(fichiers.fichiers_charges, 0) as fichiers_charges,
        coalesce(fichiers.fichiers_a_verifier, 0) as fichiers_a_verifier,
        coalesce(fichiers.fichiers_refuses, 0) as fichiers_refuses,
        coalesce(fichiers.fichiers_remplaces, 0) as fichiers_remplaces,
        coalesce(fichiers.fichiers_retires, 0) as fichiers_retires,
        coalesce(fichiers.lignes_lues, 0) as lignes_lues,
        coalesce(fichiers.lignes_chargees, 0) as lignes_chargees,
        coalesce(fichiers.lignes_quarantaine, 0) as lignes_quarantaine,
        coalesce(fichiers.lignes_vides, 0) as lignes_vides,
        cast(null as bigint) as champs_en_defaut
    from calendrier
    cross join extractions
    left join fichiers
        on fichiers.mois = calendrier.mois and fichiers.extraction = extractions.extraction

),

lignes_par_regle as (

    -- The quarantine has one row per faulty field: a line breaking a rule on two fields is one line.
    select fichier, ligne, regle, cast(count(*) as bigint) as champs_en_defaut
    from {{ source('chargement', 'quarantaine') }}
    group by fichier, ligne, regle

),

par_regle as (

    -- A line breaking two rules counts under each (rule rows do not add up to ENSEMBLE).
    select
        manifeste.mois,
        manifeste.extraction,
        lignes_par_regle.regle,
        cast(count(*) as bigint) as lignes_quarantaine,
        cast(sum(lignes_par_regle.champs_en_defaut) as bigint) as champs_en_defaut
    from lignes_par_regle
    inner join manifeste
        on manifeste.fichier = lignes_par_regle.fichier and manifeste.statut = 'chargé'
    where manifeste.mois in (select mois from calendrier)
    group by manifeste.mois, manifeste.extraction, lignes_par_regle.regle

)

select * from ensemble

union all

select
    mois,
    extraction,
    regle,
    cast(null as bigint) as fichiers_recus,
    cast(null as bigint) as fichiers_charges,
    cast(null as bigint) as fichiers_a_verifier,
    cast(null as bigint) as fichiers_refuses,
    cast(null as bigint) as fichiers_remplaces,
    cast(null as bigint) as fichiers_retires,
    cast(null as bigint) as lignes_lues,
    cast(null as bigint) as lignes_chargees,
    lignes_quarantaine,
    cast(null as bigint) as lignes_vides,
    champs_en_defaut
from par_regle
