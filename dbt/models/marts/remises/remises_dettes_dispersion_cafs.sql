-- The spread of write-off rates between Cafs each year (004: "réduction des écarts de remise de
-- dette"): quartiles, interquartile range, mean, standard deviation and coefficient of variation
-- of the Cafs' rates (amount written off / amount decided), from `remises_dettes_annuel`.
with par_caf as (

    select
        annee,
        code_zone as code_caf,
        sum(montant_remis) as montant_remis,
        sum(montant_demande_decide) as montant_demande_decide,
        sum(nb_demandes - nb_en_attente) as nb_decisions
    from {{ ref('remises_dettes_annuel') }}
    where niveau = 'caf'
    group by annee, code_zone

),

taux as (

    -- A Caf counts in a year when it decided on at least `seuil_secret_statistique` requests.
    select annee, code_caf, {{ rapport('montant_remis', 'montant_demande_decide') }} as taux_remise
    from par_caf
    where nb_decisions >= {{ var('seuil_secret_statistique') }} and montant_demande_decide > 0

),

dispersion as (

    select
        annee,
        count(*) as nb_cafs,
        {{ quantile('taux_remise', 0.25) }} as premier_quartile,
        {{ quantile('taux_remise', 0.5) }} as mediane,
        {{ quantile('taux_remise', 0.75) }} as troisieme_quartile,
        avg(taux_remise) as moyenne,
        {{ ecart_type('taux_remise') }} as ecart_type
    from taux
    group by annee

)

select
    cast(annee as integer) as annee,
    cast(nb_cafs as integer) as nb_cafs,
    cast(premier_quartile as double) as premier_quartile,
    cast(mediane as double) as mediane,
    cast(troisieme_quartile as double) as troisieme_quartile,
    cast(troisieme_quartile - premier_quartile as double) as ecart_interquartile,
    cast(moyenne as double) as moyenne,
    cast(ecart_type as double) as ecart_type,
    {{ rapport('ecart_type', 'moyenne') }} as coefficient_variation
from dispersion
