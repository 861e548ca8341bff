"""The TC flow recovery rate on the hand-computed fixture (conftest.PETIT_JEU), through ingest + build.

By hand. Months covered by a payments extract: January and February 2026.
TC due (the plan extract: from the engagement month to the closure month excluded; P4 quarantined;
P5 a simulation):
  January: P1 100 (Caf 311), P2 200 (managed by 901, resident 061), P3 300 (901; closed 05/02)
  February: P1 100, P2 200
TC collected (V3 bad amount, second V4 duplicate, V5 impossible date: all quarantined):
  January: P1 100 (V1), P2 50 (V2) -> 150 / 600 = 0.25
  February: P1 25 (V4), P2 200 (V6) -> 225 / 300 = 0.75
"""

from __future__ import annotations

import pytest

from tests.conftest import requete

ATTENDU = {
    ("national", "FR", "2026-01-01"): (600.00, 150.00, 0.25, 3),
    ("national", "FR", "2026-02-01"): (300.00, 225.00, 0.75, 2),
    ("caf_gestionnaire", "311", "2026-01-01"): (100.00, 100.00, 1.0, 1),
    ("caf_gestionnaire", "311", "2026-02-01"): (100.00, 25.00, 0.25, 1),
    ("caf_gestionnaire", "901", "2026-01-01"): (500.00, 50.00, 0.1, 2),
    ("caf_gestionnaire", "901", "2026-02-01"): (200.00, 200.00, 1.0, 1),
    ("caf_residence", "311", "2026-01-01"): (100.00, 100.00, 1.0, 1),
    ("caf_residence", "311", "2026-02-01"): (100.00, 25.00, 0.25, 1),
    ("caf_residence", "061", "2026-01-01"): (200.00, 50.00, 0.25, 1),
    ("caf_residence", "061", "2026-02-01"): (200.00, 200.00, 1.0, 1),
    ("caf_residence", "901", "2026-01-01"): (300.00, 0.00, 0.0, 1),
}


def test_taux_de_recouvrement_tc_calcule_a_la_main(petit_entrepot):
    # The operators' warehouse: every cell here is masked, so the published file has no values.
    lignes = requete(
        petit_entrepot / "warehouse" / "aripa.duckdb",
        "select niveau, code_zone, cast(mois as varchar), montant_attendu_tc, montant_encaisse_tc, "
        "taux_recouvrement_tc, nb_procedures, est_diffusable from marts.taux_recouvrement_flux_mensuel "
        "where code_procedure = 'ENSEMBLE' and niveau in ('national', 'caf_gestionnaire', 'caf_residence')",
    )
    obtenu = {(n, z, m): (float(a), float(e), t, p) for n, z, m, a, e, t, p, _ in lignes}
    assert obtenu.keys() == ATTENDU.keys()
    for cle, (attendu, encaisse, taux, procedures) in ATTENDU.items():
        assert obtenu[cle][:2] == (attendu, encaisse), cle
        assert obtenu[cle][2] == pytest.approx(taux, abs=1e-12), cle
        assert obtenu[cle][3] == procedures, cle
    # Fewer than 5 débiteurs in every cell: nothing here may be published.
    assert {diffusable for *_, diffusable in lignes} == {False}


def test_la_definition_dbt_est_dans_l_entrepot_publie(petit_entrepot):
    (commentaire,) = requete(
        petit_entrepot / "warehouse" / "publication" / "national.duckdb",
        "select comment from duckdb_tables() where schema_name = 'marts' "
        "and table_name = 'taux_recouvrement_flux_mensuel'",
    )[0]
    assert "Numérateur" in commentaire and "Dénominateur" in commentaire
