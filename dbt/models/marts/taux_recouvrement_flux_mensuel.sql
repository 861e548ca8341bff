-- Taux de recouvrement, flow reading, terme courant (TC): collected TC / expected TC per month,
-- nationally, by Caf gestionnaire and by Caf de résidence. Definition in the YAML beside it.
{%- set niveaux = [
    {'niveau': 'national', 'code': "'FR'", 'groupe': none},
    {'niveau': 'caf_gestionnaire', 'code': 'code_caf_gestionnaire', 'groupe': 'code_caf_gestionnaire'},
    {'niveau': 'caf_residence', 'code': 'code_caf_residence', 'groupe': 'code_caf_residence'},
] %}

with mois_couverts as (

    -- Only months for which a payments extract was received: elsewhere "nothing collected" would
    -- mean "no file", not "nothing paid".
    select distinct mois_extraction as mois from {{ ref('stg_extractions__versements') }}

),

dus as (

    -- Recovery procedures only: financial intermediation (IF) passes pensions through, it does
    -- not recover unpaid ones, and would inflate the rate from 2020 on.
    select * from {{ ref('int_procedures_mois_dus') }}
    where mois in (select mois from mois_couverts)
        and code_procedure <> 'IF'

),

encaisses as (

    select procedure_id, mois, montant_tc from {{ ref('int_versements_procedure_mois') }}

),

cafs as (

    select code_caf, nom_caf from {{ ref('dim_cafs') }}

),

-- TC collected on a procedure-month where no TC is due cannot exist under the ventilation rule
-- (the TC of a month is ventilated to that month's term); a singular test checks nothing is lost.
par_procedure_mois as (

    select
        dus.*,
        coalesce(encaisses.montant_tc, 0) as montant_encaisse_tc
    from dus
    left join encaisses
        on dus.procedure_id = encaisses.procedure_id
        and dus.mois = encaisses.mois

),

agreges as (

    {% for n in niveaux %}
    select
        '{{ n.niveau }}' as niveau,
        {{ n.code }} as code_zone,
        mois,
        sum(montant_attendu_tc) as montant_attendu_tc,
        sum(montant_encaisse_tc) as montant_encaisse_tc,
        count(*) as nb_procedures,
        count(distinct cle_debiteur) as nb_debiteurs
    from par_procedure_mois
    group by {% if n.groupe %}{{ n.groupe }}, {% endif %}mois
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    agreges.niveau,
    agreges.code_zone,
    coalesce(cafs.nom_caf, 'France entière') as libelle_zone,
    agreges.mois,
    cast(agreges.montant_attendu_tc as decimal(18, 2)) as montant_attendu_tc,
    cast(agreges.montant_encaisse_tc as decimal(18, 2)) as montant_encaisse_tc,
    {{ rapport('agreges.montant_encaisse_tc', 'agreges.montant_attendu_tc') }} as taux_recouvrement_tc,
    cast(agreges.nb_procedures as bigint) as nb_procedures,
    cast(agreges.nb_debiteurs as bigint) as nb_debiteurs,
    agreges.nb_debiteurs >= {{ var('seuil_secret_statistique') }} as est_diffusable
from agreges
left join cafs
    on agreges.niveau <> 'national'
    and agreges.code_zone = cafs.code_caf
