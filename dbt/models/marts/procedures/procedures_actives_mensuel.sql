-- Procédures actives (000): the month-end stock of procedures by type and stage, with its age, at
-- every geographic level. Definition in the YAML beside it.
{%- set niveaux = niveaux_procedure() %}

with procedures as (

    -- Simulations are not procedures yet (stage SIM): they are never counted.
    select
        procedure_id,
        cle_debiteur,
        code_caf_gestionnaire,
        code_caf_residence,
        code_departement,
        code_region,
        code_procedure,
        {{ debut_du_mois('date_engagement') }} as mois_entree,
        {{ debut_du_mois('date_passage_definitif') }} as mois_definitif,
        {{ debut_du_mois('date_cloture') }} as mois_sortie,
        -- A débiteur with one procedure is one row of a month's stock (compte_distinct_si_unique).
        cle_debiteur is not null and count(*) over (partition by cle_debiteur) = 1 as debiteur_une_procedure
    from {{ ref('int_procedures') }}
    where stade <> 'SIM'

),

mois as (

    -- Up to the last photograph received: beyond it the stock is unknown, not zero.
    select mois
    from {{ ref('dim_mois') }}
    where mois >= (select min(mois_entree) from procedures)
        and mois <= (select max(mois_extraction) from {{ ref('int_procedures') }})

),

-- Active at the end of a month: engaged by then, and not closed by then (a procedure closed
-- during the month has left the stock at its end). Its stage is DEF once passed into définitif.
stock as (

    select
        procedures.*,
        mois.mois,
        case
            when procedures.mois_definitif is not null and procedures.mois_definitif <= mois.mois then 'DEF'
            else 'ENG'
        end as stade_fin_mois,
        {{ dbt.datediff('procedures.mois_entree', 'mois.mois', 'month') }} as age_mois
    from mois
    inner join procedures
        on procedures.mois_entree <= mois.mois
        and (procedures.mois_sortie is null or procedures.mois_sortie > mois.mois)

),

agreges as (

    {{ agreger_par_niveau('stock', niveaux,
        {'mois': 'mois', 'code_procedure': 'code_procedure', 'stade': 'stade_fin_mois'}, {
        'procedures_actives': 'count(*)',
        'actives_moins_6_mois': 'sum(case when age_mois < 6 then 1 else 0 end)',
        'actives_6_11_mois': 'sum(case when age_mois >= 6 and age_mois < 12 then 1 else 0 end)',
        'actives_12_23_mois': 'sum(case when age_mois >= 12 and age_mois < 24 then 1 else 0 end)',
        'actives_24_mois_et_plus': 'sum(case when age_mois >= 24 then 1 else 0 end)',
        'nb_debiteurs': compte_distinct_si_unique('cle_debiteur', 'debiteur_une_procedure'),
    }) }}

),

-- Secrecy: cells of fewer than the threshold's débiteurs, and their complements over the zones
-- (types and stages have no total row here).
{{ secret_statistique('agreges', niveaux, ['mois', 'code_procedure', 'stade'],
    comptage='nb_debiteurs', valeur='procedures_actives') }}

select
    agreges.niveau,
    agreges.type_zone,
    agreges.code_zone,
    agreges.libelle_zone,
    agreges.mois,
    cast({{ partie_date('year', 'agreges.mois') }} as integer) as annee,
    cast({{ partie_date('month', 'agreges.mois') }} as integer) as numero_mois,
    agreges.code_procedure,
    agreges.stade,
    cast(agreges.procedures_actives as bigint) as procedures_actives,
    cast(agreges.actives_moins_6_mois as bigint) as actives_moins_6_mois,
    cast(agreges.actives_6_11_mois as bigint) as actives_6_11_mois,
    cast(agreges.actives_12_23_mois as bigint) as actives_12_23_mois,
    cast(agreges.actives_24_mois_et_plus as bigint) as actives_24_mois_et_plus,
    cast(agreges.nb_debiteurs as bigint) as nb_debiteurs,
    agreges.est_diffusable,
    agreges.motif_secret
from secret as agreges
