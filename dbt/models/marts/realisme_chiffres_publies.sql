-- Each published figure (seed chiffres_publies) next to the same figure computed from the KPI
-- marts. Volumes are as built (the demo set is a share of the national volume: `aripa realism`
-- scales them back); rates are compared as they are.
with publies as (

    select * from {{ ref('chiffres_publies') }}

),

calcules as (

    -- Recovery procedures only (intermediation excluded), month-end stock.
    select
        'procedures_actives' as indicateur,
        annee,
        numero_mois,
        cast(sum(procedures_actives) as {{ type_reel() }}) as valeur_calculee
    from {{ ref('procedures_actives_mensuel') }}
    where niveau = 'national' and code_procedure <> 'IF'
    group by annee, numero_mois

    union all

    select
        'taux_recouvrement' as indicateur,
        annee,
        cast(null as integer) as numero_mois,
        taux_recouvrement_tc as valeur_calculee
    from {{ ref('taux_recouvrement_flux_annuel') }}
    where niveau = 'national' and code_procedure = 'ENSEMBLE'

    union all

    select 'familles_asf' as indicateur, annee, numero_mois, cast(sum(nombre_familles) as {{ type_reel() }})
    from {{ ref('asf_beneficiaires_mensuel') }}
    where niveau = 'national'
    group by annee, numero_mois

    union all

    -- An annual ASF figure is the mean of the year's month-end counts.
    select 'familles_asf' as indicateur, annee, cast(null as integer), avg(familles)
    from (
        select annee, numero_mois, cast(sum(nombre_familles) as {{ type_reel() }}) as familles
        from {{ ref('asf_beneficiaires_mensuel') }}
        where niveau = 'national'
        group by annee, numero_mois
    ) as par_mois
    group by annee

    union all

    select
        'asf_complementaire_experimentation' as indicateur,
        annee,
        numero_mois,
        cast(sum(nombre_familles) as {{ type_reel() }})
    from {{ ref('asf_beneficiaires_mensuel') }}
    where niveau = 'departement' and nature_asf = 'C' and groupe_gipa = 'experimental'
    group by annee, numero_mois

    union all

    -- Requests = intermediation procedures engaged in the year.
    select
        'demandes_intermediation' as indicateur,
        cast({{ partie_date('year', 'mois') }} as integer) as annee,
        cast(null as integer),
        cast(sum(entrees) as {{ type_reel() }})
    from {{ ref('procedures_entrees_sorties_mensuel') }}
    where niveau = 'national' and code_procedure = 'IF'
    group by {{ partie_date('year', 'mois') }}

)

select
    publies.indicateur,
    publies.annee,
    publies.numero_mois,
    publies.libelle,
    publies.unite,
    publies.valeur as valeur_publiee,
    calcules.valeur_calculee,
    publies.source
from publies
left join calcules
    on publies.indicateur = calcules.indicateur
    and publies.annee = calcules.annee
    and coalesce(publies.numero_mois, 0) = coalesce(calcules.numero_mois, 0)
