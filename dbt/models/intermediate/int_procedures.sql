-- The current state of each procedure: its row in the most recent monthly photograph received.
with photographies as (

    select * from {{ ref('stg_extractions__procedures') }}

),

classees as (

    select
        *,
        row_number() over (partition by procedure_id order by mois_extraction desc) as rang_photographie
    from photographies

)

select
    procedure_id,
    cle_creancier,
    cle_debiteur,
    code_caf_gestionnaire,
    code_caf_residence,
    code_procedure,
    stade,
    date_engagement,
    date_passage_definitif,
    date_cloture,
    motif_cloture,
    montant_mensuel_tc,
    mois_extraction
from classees
where rang_photographie = 1
