-- Seeds read back as written, on every engine: a quote inside a name (dbt-spark's session loader
-- did not escape it: « Côtes-d'Armor ») and an empty cell (that loader sent it as the text 'None').
-- Each check must find exactly one row.
with verifications as (

    select 'cafs.nom_caf de 221 avec son apostrophe' as verification, count(*) as lignes
    from {{ ref('cafs') }}
    where code_caf = '221' and nom_caf = '{{ dbt.escape_single_quotes("Caf des Côtes-d'Armor") }}'

    union all

    select 'departements.nom_departement de 22 avec son apostrophe', count(*)
    from {{ ref('departements') }}
    where code_departement = '22' and nom_departement = '{{ dbt.escape_single_quotes("Côtes-d'Armor") }}'

    union all

    select 'cafs.code_departement vide de la MSA', count(*)
    from {{ ref('cafs') }}
    where code_caf = 'MSA' and code_departement is null

    union all

    select 'tranches_qf_remise.qf_max vide de QF4', count(*)
    from {{ ref('tranches_qf_remise') }}
    where code_tranche = 'QF4' and qf_max is null

)

select * from verifications where lignes <> 1
