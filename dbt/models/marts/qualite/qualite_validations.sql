-- Great Expectations results by extract and expectation, over every run (`aripa ingest` validates
-- the new rows of each extract in chunks): rows validated and failing, runs, failed runs, and the
-- outcome of the latest run.
with validations as (

    select * from {{ ref('stg_chargement__validations') }}

),

classees as (

    select
        validations.*,
        row_number() over (
            partition by extraction, attente, colonne, regle order by valide_le desc
        ) as rang_recent
    from validations

)

select
    extraction,
    attente,
    coalesce(colonne, '(table)') as colonne,
    coalesce(regle, '(aucune)') as regle,
    cast(count(*) as integer) as nb_executions,
    cast(sum(case when succes then 0 else 1 end) as integer) as nb_executions_en_echec,
    cast(sum(lignes_validees) as bigint) as lignes_validees,
    cast(sum(lignes_en_echec) as bigint) as lignes_en_echec,
    max(valide_le) as derniere_validation,
    cast(max(case when rang_recent = 1 and succes then 1 else 0 end) = 1 as boolean) as succes_derniere_validation
from classees
group by extraction, attente, coalesce(colonne, '(table)'), coalesce(regle, '(aucune)')
