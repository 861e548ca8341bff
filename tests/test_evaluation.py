"""The GIPA evaluation: estimators on hand-computed panels, then `aripa evaluate` on the demo data
against the generator's truth file, and its dashboard page."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.evaluation import estimateurs as est
from pipelines.evaluation.appariement import temoins_apparies
from pipelines.evaluation.panel import (
    REQUETE_PANEL,
    RESULTATS,
    TABLE_EMPREINTE_PUBLIEE,
    Calendrier,
    empreinte_panel,
    preparer,
)
from pipelines.evaluation.validite import face_a_la_verite


def _deux_periodes() -> pd.DataFrame:
    """By hand. Treated A (1 -> 3, weight 1) and B (2 -> 5, weight 3); controls C (1 -> 1.5) and
    D (2 -> 3.5), weight 1. Unweighted DiD: (2 + 3) / 2 - (0.5 + 1.5) / 2 = 1.5. Weighted by the
    (time-constant) weights: (2 x 1 + 3 x 3) / 4 - 1 = 1.75."""
    return pd.DataFrame(
        {
            "dep": ["A", "A", "B", "B", "C", "C", "D", "D"],
            "t": [0, 1] * 4,
            "y": [1.0, 3.0, 2.0, 5.0, 1.0, 1.5, 2.0, 3.5],
            "w": [1.0, 1.0, 3.0, 3.0, 1.0, 1.0, 1.0, 1.0],
            "d": [0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
        }
    )


def test_doubles_differences_a_la_main_ponderees_ou_non():
    panel = _deux_periodes()
    assert est.twfe(panel, pondere=False).estimation == pytest.approx(1.5)
    assert est.twfe(panel, pondere=True).estimation == pytest.approx(1.75)
    # Randomisation inference estimates the same coefficient (Frisch-Waugh-Lovell).
    assert est.inference_randomisation(panel, pondere=True, tirages=20).estimation == pytest.approx(1.75)


def test_randomisation_exacte_sur_quatre_departements():
    """6 ways to choose 2 treated among 4: the real one ({A, B}) gives 1.75 and its mirror {C, D}
    gives -1.75; the four others give smaller effects. |estimate| >= 1.75 in 2 of 6 assignments:
    the 6 are enumerated (no sampling), so p is exactly 2/6."""
    r = est.randomisation(_deux_periodes(), pondere=True, tirages=3000)
    assert r.exacte and r.nuls.size == 5
    assert r.estimation.p_valeur == pytest.approx(1 / 3)
    # With 6 assignments nothing can be significant at 5 %: said, and the interval is unbounded.
    assert "6 affectations possibles" in r.estimation.avertissement
    assert (r.estimation.ic_bas, r.estimation.ic_haut) == (-np.inf, np.inf)


def test_effet_plante_retrouve_et_placebo_nul():
    rng = np.random.default_rng(3)
    dep = np.repeat(np.arange(40), 24)
    t = np.tile(np.arange(24), 40)
    d = ((dep < 10) & (t >= 12)).astype(float)
    y = rng.normal(0, 0.05, 40)[dep] + 0.01 * t + 0.05 * d + rng.normal(0, 0.01, dep.size)
    panel = pd.DataFrame({"dep": dep.astype(str), "t": t, "y": y, "w": 1.0, "d": d})
    for e in (
        est.twfe(panel, False),
        est.inference_randomisation(panel, False, tirages=199),
        est.did2s(panel, False),
    ):
        assert e.ic_bas < 0.05 < e.ic_haut and e.p_valeur < 0.01
    etude = est.etude_evenement(panel, False, avances=6, retards=11)
    assert etude.p_pre_tendance > 0.01  # no pre-trend was planted
    assert etude.coefficients.set_index("relatif").loc[5, "estimation"] == pytest.approx(0.05, abs=0.01)


def test_appariement_sur_niveau_et_tendance_avant():
    """T (level 0.5, flat) is matched to the flat control at 0.51, not to the one at 0.51 rising
    fast nor to the one at 0.8; with k = 1."""
    t = np.arange(10)
    series = {"T": 0.5 + 0 * t, "C1": 0.51 + 0 * t, "C2": 0.46 + 0.02 * t, "C3": 0.8 + 0 * t}
    cadre = pd.DataFrame([{"dep": k, "t": m, "y": v[m], "w": 1.0} for k, v in series.items() for m in t])
    assert temoins_apparies(cadre, {"T"}, debut=10, k=1) == {"C1"}


def test_le_traitement_vient_des_dates_du_referentiel():
    cal = Calendrier(date(2014, 1, 1), date(2014, 10, 1), date(2016, 4, 1))
    assert cal.fin_fenetre == date(2016, 3, 1)
    mois = pd.date_range("2014-08-01", "2016-05-01", freq="MS")
    lignes = []
    for dep, groupe, debut in (("10", "experimental", "2014-10-01"), ("75", "non_experimental", None)):
        for m in mois:
            lignes.append(
                {
                    "code_departement": dep,
                    "groupe_gipa": groupe,
                    "date_debut_gipa": debut,
                    "mois": m.date(),
                    "taux_recouvrement_tc": 0.5,
                    "montant_attendu_tc": 100.0,
                }
            )
    cadre = preparer(pd.DataFrame(lignes), RESULTATS[0], {"75"}, cal)
    assert cadre["t"].nunique() == 20  # August 2014 to March 2016: generalisation months left out
    traites = cadre[cadre["d"] == 1]
    assert set(traites["dep"]) == {"10"} and len(traites) == 18  # October 2014 to March 2016


def test_evaluate_sur_la_demo_retrouve_la_verite(demo):
    base = demo["donnees"] / "warehouse" / "publication" / "national.duckdb"
    verite = json.loads((demo["donnees"] / "verite" / "verite_gipa.json").read_text(encoding="utf-8"))
    with duckdb.connect(str(base), read_only=True) as con:
        resultats = con.execute("select * from evaluation.gipa_resultats").df()
        execution = con.execute("select * from evaluation.gipa_execution").df()
        publiee = f"select empreinte_panel from {TABLE_EMPREINTE_PUBLIEE}"
        empreinte_publiee = con.execute(publiee).fetchone()[0]
        # The panel (département x month) is not published: only its fingerprint.
        assert not con.execute(
            "select count(*) from duckdb_tables() where table_name = 'evaluation_panel_gipa'"
        ).fetchone()[0]
        # Nothing written into dbt's schema any more.
        anciens = con.execute(
            "select count(*) from duckdb_tables() "
            "where schema_name = 'marts' and table_name like 'evaluation_gipa%'"
        ).fetchone()[0]
    assert anciens == 0
    # 5 outcomes x 2 control groups x 11 methods, less the synthetic control outside the TC rate.
    assert len(resultats) == len(RESULTATS) * 2 * 11 - (len(RESULTATS) - 1) * 2
    assert set(resultats["nb_departements_traites"]) == {20}
    # Stamped with the panel they come from, the one the build made and published the fingerprint of.
    with duckdb.connect(str(demo["donnees"] / "warehouse" / "aripa.duckdb"), read_only=True) as con:
        panel = con.execute(REQUETE_PANEL).df()
    assert execution["empreinte_panel"].iloc[0] == empreinte_panel(panel) == empreinte_publiee
    assert set(resultats["empreinte_panel"]) == {empreinte_panel(panel)}
    # TC rate and PDE arrears (the outcomes with a planted effect) x 4 methods x 2 control groups.
    face = face_a_la_verite(resultats, verite)
    assert len(face) == 16
    assert face["dans_ic"].all(), face[["resultat", "groupe_temoin", "methode", "estimation", "verite"]]
    assert (demo["donnees"] / "outputs" / "evaluation" / "etude_evenement_taux_recouvrement_tc.png").exists()
