-- Recovery curves by cohort, by the débiteur's benefits (saisissable, insaisissable, non
-- allocataire, inconnu). Their ENSEMBLE rows are those of courbes_recouvrement_cohortes, published
-- there only (see the macro courbes_cohortes).
select * from {{ ref('int_courbes_cohortes_statut') }}
where statut_debiteur <> 'ENSEMBLE'
