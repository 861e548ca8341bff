-- Each write-off request with its QF PRP (computed here, the one definition) and the strata it is
-- read by: year of request, position against the threshold (1.5 x BMAF at 1 January of that year,
-- barème seed), QF PRP bracket (seed), and the territory of the instructing Caf.
with remises as (

    select * from {{ ref('stg_extractions__remises_dettes') }}

),

bareme as (

    select date_debut, date_fin, bmaf from {{ ref('dim_bareme_asf') }}

),

tranches as (

    select * from {{ ref('tranches_qf_remise') }}

),

cafs as (

    select code_caf, code_departement, code_region from {{ ref('dim_cafs') }}

),

avec_annee as (

    select
        remises.*,
        -- QF PRP as NSF's PRP screen computes it (seed 002): (resources + benefits - housing
        -- costs) / number of parts, truncated to the euro (788.5 shows as 788, 869.772 as 869).
        -- Rounded to 6 decimals first so that a float quotient such as 830.9999999 is 831;
        -- assumption: a negative numerator (housing above income) gives 0.
        cast(floor(round(
            case
                when remises.ressources_mensuelles + remises.prestations_mensuelles - remises.charges_logement > 0
                    then remises.ressources_mensuelles + remises.prestations_mensuelles - remises.charges_logement
                else 0
            end / remises.nombre_parts, 6)) as integer) as qf_prp,
        {{ partie_date('year', 'remises.date_demande') }} as annee,
        cast({{ dbt.date_trunc('year', 'remises.date_demande') }} as date) as premier_janvier
    from remises

)

select
    avec_annee.*,
    cast(1.5 * bareme.bmaf as decimal(10, 2)) as seuil_cra,
    case
        when avec_annee.montant_demande > 1.5 * bareme.bmaf then 'au_dessus_seuil'
        else 'sous_seuil'
    end as position_seuil,
    tranches.code_tranche as tranche_qf,
    cafs.code_departement,
    cafs.code_region
from avec_annee
-- The BMAF in force on 1 January (the barème seed starts with the value in force on 1 January
-- 2012; a request before it has no threshold, which the not_null test on seuil_cra reports).
left join bareme
    on avec_annee.premier_janvier >= bareme.date_debut
    and (bareme.date_fin is null or avec_annee.premier_janvier <= bareme.date_fin)
left join tranches
    on avec_annee.qf_prp >= tranches.qf_min
    and (tranches.qf_max is null or avec_annee.qf_prp <= tranches.qf_max)
left join cafs on avec_annee.code_caf = cafs.code_caf
