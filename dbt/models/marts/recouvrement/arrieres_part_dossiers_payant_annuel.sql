-- Share of cases with arrears that pay toward their arrears (the US federal child support
-- programme's "cases paying toward arrears" measure), per year, at every level.
{%- set niveaux = niveaux_procedure() %}

with procedures as (

    select * from {{ ref('int_procedures') }}
    where est_recouvrement

),

dossiers as (

    -- A case with arrears in a year: arrears (Arr. PA) are due in its plan that year.
    select
        a.procedure_id,
        a.annee,
        a.encaisse_arrieres_pa > 0 as paye_arrieres,
        procedures.cle_debiteur,
        procedures.code_caf_gestionnaire,
        procedures.code_caf_residence,
        procedures.code_departement,
        procedures.code_region
    from {{ ref('int_recouvrement_procedure_annee') }} as a
    inner join procedures on a.procedure_id = procedures.procedure_id
    where a.attendu_arrieres_pa > 0

),

agreges as (

    {{ agreger_par_niveau('dossiers', niveaux, {'annee': 'annee'}, {
        'nb_dossiers_avec_arrieres': 'count(*)',
        'nb_dossiers_payant_arrieres': 'sum(case when paye_arrieres then 1 else 0 end)',
        'nb_debiteurs': 'count(distinct cle_debiteur)',
    }) }}

),

-- Secrecy: cells of fewer than the threshold's débiteurs, and their complements over the zones.
{{ secret_statistique('agreges', niveaux, ['annee'], comptage='nb_debiteurs', valeur='nb_dossiers_avec_arrieres') }}

select
    agreges.niveau,
    agreges.type_zone,
    agreges.code_zone,
    agreges.libelle_zone,
    cast(agreges.annee as integer) as annee,
    cast(agreges.nb_dossiers_avec_arrieres as bigint) as nb_dossiers_avec_arrieres,
    cast(agreges.nb_dossiers_payant_arrieres as bigint) as nb_dossiers_payant_arrieres,
    {{ rapport('agreges.nb_dossiers_payant_arrieres', 'agreges.nb_dossiers_avec_arrieres') }}
        as part_dossiers_payant_arrieres,
    cast(agreges.nb_debiteurs as bigint) as nb_debiteurs,
    agreges.est_diffusable,
    agreges.motif_secret
from secret as agreges
