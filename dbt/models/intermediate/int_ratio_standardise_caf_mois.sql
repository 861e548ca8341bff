-- The fair comparison of seed 004 month by month: for each managing Caf and month, TC collected (O)
-- against what it would have collected at the month's national stratum rates given its cases (E),
-- the same indirect standardisation as comparaison_cafs_standardisee_annuelle (procedure type x age
-- of the debt at engagement x débiteur's benefits, an unknown value its own stratum). Read by the
-- control chart of the alert list.
with dossiers as (

    select
        r.mois,
        r.attendu_tc,
        r.encaisse_tc,
        p.cle_debiteur,
        p.code_caf_gestionnaire,
        p.code_procedure,
        coalesce(p.anciennete_dette, 'inconnu') as anciennete_dette,
        coalesce(p.statut_debiteur, 'inconnu') as statut_debiteur
    from {{ ref('int_recouvrement_procedure_mois') }} as r
    inner join {{ ref('int_procedures') }} as p on r.procedure_id = p.procedure_id
    where p.est_recouvrement and r.attendu_tc > 0

),

taux_nationaux as (

    select
        mois, code_procedure, anciennete_dette, statut_debiteur,
        {{ rapport('sum(encaisse_tc)', 'sum(attendu_tc)') }} as taux_strate
    from dossiers
    group by mois, code_procedure, anciennete_dette, statut_debiteur

)

select
    d.code_caf_gestionnaire,
    d.mois,
    cast(sum(d.attendu_tc) as decimal(18, 2)) as montant_attendu_tc,
    cast(sum(d.encaisse_tc) as decimal(18, 2)) as montant_encaisse_tc,
    sum(d.attendu_tc * t.taux_strate) as encaisse_attendu_tc,
    {{ rapport('sum(d.encaisse_tc)', 'sum(d.attendu_tc * t.taux_strate)') }} as ratio_observe_attendu,
    count(distinct d.cle_debiteur) as nb_debiteurs
from dossiers as d
inner join taux_nationaux as t
    on d.mois = t.mois
    and d.code_procedure = t.code_procedure
    and d.anciennete_dette = t.anciennete_dette
    and d.statut_debiteur = t.statut_debiteur
group by d.code_caf_gestionnaire, d.mois
