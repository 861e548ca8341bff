-- Amounts collected per procedure and month of value date, by component.
with versements as (

    select * from {{ ref('stg_extractions__versements') }}

)

select
    procedure_id,
    {{ debut_du_mois('date_valeur') }} as mois,
    count(*) as nb_versements,
    sum(montant) as montant_verse,
    sum(montant_tc) as montant_tc,
    sum(montant_asfr) as montant_asfr,
    sum(montant_arrieres_pa) as montant_arrieres_pa,
    sum(montant_fj) as montant_fj,
    sum(montant_fg) as montant_fg

from versements
group by procedure_id, {{ debut_du_mois('date_valeur') }}
