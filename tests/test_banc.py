"""`aripa bench --scale tiny`: a smoke run of the benchmark (12 demo months), checking that the
JSON carries every figure of the issue with its goal, and that the floor computes what it says."""

from __future__ import annotations

import json
import math

import duckdb

from tests.conftest import aripa

ETAPES = ("generation", "ingestion", "construction", "evaluation", "rapport", "publication")


def test_banc_minuscule_a_chaque_figure(tmp_path):
    resultat = aripa("bench", "--scale", "tiny", "--sans-accueil", donnees=tmp_path, timeout=3000)
    assert resultat.returncode == 0, resultat.stdout[-3000:] + resultat.stderr[-3000:]
    r = json.loads((tmp_path / "outputs" / "bench" / "dernier_tiny.json").read_text())
    assert "echecs" not in r, r.get("echecs")
    for nom in ETAPES:
        etape = r["etapes"][nom]
        if "ignore" in etape or "echec" in etape:
            # The report may not be merged yet (issue 16); twelve demo months are too few for some of
            # the evaluation's estimators (« Never treated group is too small »): reported with why.
            assert nom in ("rapport", "evaluation"), etape
            assert "aripa report" in etape.get("ignore", "") or "code 1 : " in etape.get("echec", ""), etape
            continue
        assert etape["duree_s"] > 0 and etape["pic_rss_octets"] > 50e6, (nom, etape)
    assert r["etapes"]["ingestion"]["lignes_lues"] == r["etapes"]["ingestion"]["lignes_chargees"] > 100_000
    assert {"dbt_build_s", "docs_s", "publication_s"} <= set(r["etapes"]["construction"])

    plancher = r["plancher"]
    assert (
        plancher["ratio"] == plancher["dbt_trois_marts"]["duree_s"] / plancher["plancher_duckdb"]["duree_s"]
    )
    assert plancher["dbt_trois_marts"]["succes"] and plancher["objectif_max"] == 3
    # The floor and pandas agree cell for cell, and the floor's TC expected is the plan's, to the cent.
    assert r["pairs"]["memes_cellules"] is True and r["pairs"]["ratio_pandas"] > 0
    base = tmp_path / "bench" / "tiny" / "donnees" / "warehouse" / "aripa.duckdb"
    with duckdb.connect(str(base), read_only=True) as con:
        (attendu,) = con.execute(
            "select sum(attendu_tc) from raw.plan_recouvrement where _periode <= date '2015-02-01'"
        ).fetchall()[0]
        (nb_remises,) = con.execute(
            "select count(distinct code_caf || year(date_demande)) from raw.remises_dettes "
            "where _periode <= date '2015-02-01'"
        ).fetchall()[0]
    assert plancher["plancher_duckdb"]["resume"]["attendu_tc"] == round(float(attendu), 2)
    assert plancher["plancher_duckdb"]["resume"]["cellules_remises"] == nb_remises
    postgres = r["pairs"]["postgres"]
    assert "ratio" in postgres or "ignore" in postgres or "echecs" in postgres, postgres

    incremental = r["incremental"]
    assert incremental["fichiers"] >= 5 and 0 < incremental["fraction"] < 1
    assert incremental["objectif_max"] == 0.05
    pages = r["tableau_de_bord"]["pages"]
    assert pages and all(p["p95_s"] >= p["p50_s"] >= 0 for p in pages.values())
    assert any(p["requetes"] for p in pages.values())
    echelle = r["echelle"]
    assert [p["fraction_historique"] for p in echelle["points"]] == [0.25, 0.5, 1.0]
    assert echelle["points"][0]["lignes"] < echelle["points"][2]["lignes"]
    assert math.isfinite(echelle["exposant"])
    assert r["accueil"] == {"ignore": "--sans-accueil"}
    assert "objectif" in resultat.stdout and "Plancher" in resultat.stdout
