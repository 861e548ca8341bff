-- Seizures on benefits close to the fourth DEFAIL (seed 002: the first three DEFAIL notices are
-- filed, the fourth closes the procedure): at each month end, the seizures still running whose
-- third DEFAIL has come, and what they are due each month (TC). Definition in the YAML beside it.
{%- set niveaux = niveaux_procedure() %}

with mois as (

    select
        mois,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'mois')) }} as date) as fin_de_mois
    from {{ ref('dim_mois') }}

),

procedures as (

    -- Every recovery procedure, so that each zone-month with cases running has its cell from the
    -- calendar's first month (monthly marts follow dim_mois), seizures or not.
    select * from {{ ref('int_procedures') }} where est_recouvrement

),

defail as (

    select procedure_id, date_evenement, rang_defail
    from {{ ref('stg_extractions__evenements') }}
    where type_evenement = 'DEFAIL'

),

en_cours as (

    -- Each procedure at each month end it is running, with the rank of its last DEFAIL by then.
    select
        s.procedure_id,
        s.code_procedure,
        s.cle_debiteur,
        s.code_caf_gestionnaire,
        s.code_caf_residence,
        s.code_departement,
        s.code_region,
        s.montant_mensuel_tc,
        m.mois,
        max(d.rang_defail) as rang_dernier_defail
    from procedures as s
    inner join mois as m
        on s.date_engagement <= m.fin_de_mois
        and (s.date_cloture is null or s.date_cloture > m.fin_de_mois)
    left join defail as d
        on d.procedure_id = s.procedure_id and d.date_evenement <= m.fin_de_mois
    group by s.procedure_id, s.code_procedure, s.cle_debiteur, s.code_caf_gestionnaire, s.code_caf_residence,
        s.code_departement, s.code_region, s.montant_mensuel_tc, m.mois

),

agreges as (

    -- 0 where no seizure has had its third DEFAIL.
    {{ agreger_par_niveau('en_cours', niveaux, {'mois': 'mois'}, {
        'nb_saisies_3_defail': "sum(case when code_procedure = 'SAISIE' and rang_dernier_defail = 3 then 1 else 0 end)",
        'montant_mensuel_tc': "sum(case when code_procedure = 'SAISIE' and rang_dernier_defail = 3 then montant_mensuel_tc else 0 end)",
        'nb_debiteurs': "count(distinct case when code_procedure = 'SAISIE' then cle_debiteur end)",
    }) }}

),

-- Secrecy, as in saisies_prestations_mensuel: cells of fewer than the threshold's débiteurs with a
-- seizure running, and their complements over the zones.
{{ secret_statistique('agreges', niveaux, ['mois'], comptage='nb_debiteurs', valeur='nb_debiteurs') }}

select
    agreges.niveau,
    agreges.type_zone,
    agreges.code_zone,
    agreges.libelle_zone,
    agreges.mois,
    cast(agreges.nb_saisies_3_defail as bigint) as nb_saisies_3_defail,
    cast(agreges.montant_mensuel_tc as decimal(18, 2)) as montant_mensuel_tc,
    cast(agreges.nb_debiteurs as bigint) as nb_debiteurs,
    agreges.est_diffusable,
    agreges.motif_secret
from secret as agreges
