-- Seed 002 (« Évolution de la saisie ») : les 3 premières pièces DEFAIL sont classées, la 4e clôture
-- la procédure. Aucune procédure n'a plus de 4 pièces ; une 4e pièce n'existe que sur une saisie
-- clôturée pour DEFAIL, à sa date de clôture. Rend les procédures en écart.
with derniere_photo as (

    select * from {{ ref('int_procedures') }}

),

defail as (

    select
        procedure_id,
        count(*) as pieces,
        max(rang_defail) as rang_max,
        max(case when rang_defail = 4 then date_evenement end) as date_quatrieme
    from {{ ref('stg_extractions__evenements') }}
    where type_evenement = 'DEFAIL'
    group by procedure_id

)

select defail.*, derniere_photo.motif_cloture, derniere_photo.date_cloture
from defail
left join derniere_photo on defail.procedure_id = derniere_photo.procedure_id
where defail.pieces > 4
    or defail.rang_max > 4
    or (
        defail.rang_max = 4
        and (
            derniere_photo.motif_cloture is distinct from 'DEFAIL'
            or derniere_photo.date_cloture is distinct from defail.date_quatrieme
        )
    )
