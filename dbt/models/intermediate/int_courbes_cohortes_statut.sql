-- The recovery curves by débiteur's benefits, with their ENSEMBLE rows and secrecy (macro
-- courbes_cohortes): published without the ENSEMBLE rows as courbes_recouvrement_cohortes_statut.
{{ courbes_cohortes('statut_debiteur') }}
