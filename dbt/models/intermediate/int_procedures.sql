-- The current state of each procedure: its row in the most recent monthly photograph received,
-- with the territory of its Caf de résidence and the strata the catalogue reads it by.
with photographies as (

    {{ derniere_photographie(ref('stg_extractions__procedures'), 'procedure_id') }}

),

cafs as (

    select code_caf, code_departement, code_region from {{ ref('dim_cafs') }}

)

select
    photographies.*,
    -- Territory = where the creditor lives (Caf de résidence); the MSA has none.
    cafs.code_departement,
    cafs.code_region,
    -- A recovery procedure: financial intermediation (IF) passes pensions through, it recovers no
    -- unpaid one, and counted in it would inflate the recovery KPIs from 2020 on.
    photographies.code_procedure <> 'IF' as est_recouvrement,
    -- Phase of the recovery (004, "phase amiable / contentieuse"): an amicable recovery (RA) or a
    -- forced one (direct payment, seizure on benefits, other forced recovery). IF recovers nothing.
    case
        when photographies.code_procedure = 'RA' then 'amiable'
        when photographies.code_procedure in ('PDE', 'SAISIE', 'FORCE') then 'force'
        else 'intermediation'
    end as phase_recouvrement,
    -- Age of the debt at engagement, in months of unpaid pension (stratum of the fair comparison).
    -- Not given in the extract: a stratum of its own, never counted as the oldest debts.
    case
        when photographies.mois_arrieres_engagement is null then 'inconnu'
        when photographies.mois_arrieres_engagement = 0 then '0'
        when photographies.mois_arrieres_engagement <= 6 then '1-6'
        when photographies.mois_arrieres_engagement <= 12 then '7-12'
        else '13+'
    end as anciennete_dette
from photographies
left join cafs
    on photographies.code_caf_residence = cafs.code_caf
