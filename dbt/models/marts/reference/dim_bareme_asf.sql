-- BMAF and ASF amounts by period of effect. Amount paid = rate x BMAF, less CRDS, to the cent.
with bareme as (

    select * from {{ ref('bareme_asf') }}

),

periodes as (

    select
        *,
        lead(date_debut) over (order by date_debut) as date_debut_suivante
    from bareme

)

select
    date_debut,
    cast({{ dbt.dateadd('day', -1, 'date_debut_suivante') }} as date) as date_fin,
    bmaf,
    taux_asf_un_parent,
    taux_asf_deux_parents,
    cast(round(taux_asf_un_parent * bmaf * (1 - taux_crds), 2) as decimal(10, 2)) as montant_asf_un_parent,
    cast(round(taux_asf_deux_parents * bmaf * (1 - taux_crds), 2) as decimal(10, 2)) as montant_asf_deux_parents
from periodes
