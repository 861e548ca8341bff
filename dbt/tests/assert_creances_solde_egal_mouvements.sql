-- Le solde de chaque créance implantée dans la période extraite est égal à ses mouvements :
-- implantation (IC) + augmentations (DC) - diminutions (AD), au centime. Rend les créances en écart.
with derniere_photo as (

    select *
    from {{ ref('stg_extractions__creances') }}
    where mois_extraction = (select max(mois_extraction) from {{ ref('stg_extractions__creances') }})

),

mouvements as (

    select
        creance_id,
        sum(case when operation = 'AD' then -montant else montant end) as net,
        sum(case when operation = 'IC' then 1 else 0 end) as implantations
    from {{ ref('stg_extractions__mouvements_creances') }}
    group by creance_id

)

select derniere_photo.creance_id, derniere_photo.solde, mouvements.net
from derniere_photo
inner join mouvements on derniere_photo.creance_id = mouvements.creance_id
where mouvements.implantations = 1
    and abs(derniere_photo.solde - mouvements.net) > 0.005
