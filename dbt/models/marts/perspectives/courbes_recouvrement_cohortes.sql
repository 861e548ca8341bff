-- Recovery curves by cohort (vintage analysis), by procedure type: for the recovery procedures
-- engaged in a calendar year, the share of the amount due recovered after 1, 3, 6, 12 and 24
-- months of life, by managing Caf and nationally. Definition in the YAML beside it.
{{ courbes_cohortes('code_procedure', herite_de=ref('int_courbes_cohortes_statut')) }}
