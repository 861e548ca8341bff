"""`aripa bench --scale tiny` end to end (README, "Benchmark"): every section runs and writes its
figures in data/outputs/bench/dernier_tiny.json, with the values the tiny scale makes known.

The tiny scale is 12 months of demo data (2014-04 to 2015-03): the forecasts need 84 months of
history, so `aripa forecast` fails there, by design, and the Perspectives page has nothing to read.
That expected failure is asserted as such below, with its reason, not skipped. The newcomer's wait
(a git clone and a full `aripa demo`, minutes) is left out with `--sans-accueil`, and asserted to be
marked ignored. PostgreSQL (Debian's `postgresql`, installed by .ci/run) is a required peer here."""

from __future__ import annotations

import json
import math
import time

import duckdb
import pytest

from tests.conftest import aripa

# One bench run for the module's tests (one worker); the rest of the suite runs on the other.
pytestmark = pytest.mark.xdist_group("banc_tiny")

# The tiny data set (the generator is seeded): rows of the four raw tables the floor reads.
LIGNES_PARQUET = {"procedures": 5017, "plan_recouvrement": 21062, "versements": 9573, "remises_dettes": 337}
# The floor selection's models (three marts and their upstream), on DuckDB as on PostgreSQL.
MODELES_PLANCHER = 17


@pytest.fixture(scope="module")
def banc(tmp_path_factory: pytest.TempPathFactory) -> dict:
    donnees = tmp_path_factory.mktemp("banc")
    debut = time.perf_counter()
    resultat = aripa("bench", "--scale", "tiny", "--sans-accueil", donnees=donnees, timeout=2400)
    duree = time.perf_counter() - debut
    assert resultat.returncode == 0, resultat.stdout[-3000:] + resultat.stderr[-3000:]
    chemin = donnees / "outputs" / "bench" / "dernier_tiny.json"
    return {
        "json": json.loads(chemin.read_text()),
        "travail": donnees / "bench" / "tiny",
        "duree_s": duree,
    }


def test_etapes_mesurees(banc: dict) -> None:
    etapes = banc["json"]["etapes"]
    for nom in ("generation", "ingestion", "construction", "evaluation", "rapport", "publication"):
        assert etapes[nom]["duree_s"] > 0, nom
        assert etapes[nom]["pic_rss_octets"] > 0, nom
    assert etapes["generation"]["fichiers"] == 74  # 12 months of 6 monthly extracts and 2 photographs
    ingestion = etapes["ingestion"]
    assert ingestion["lignes_lues"] == ingestion["lignes_chargees"] > 0  # nothing quarantined
    entrepot = banc["travail"] / "donnees" / "warehouse" / "aripa.duckdb"
    with duckdb.connect(str(entrepot), read_only=True) as con:
        charges = con.execute("select sum(lignes_chargees) from raw.manifeste").fetchall()[0][0]
    assert ingestion["lignes_chargees"] == charges


def test_prevision_impossible_sur_douze_mois(banc: dict) -> None:
    """Expected at tiny, not hidden: 12 months of history where the forecasts need 84."""
    prevision = banc["json"]["etapes"]["prevision"]
    assert prevision["echec"].startswith("code 1 : Erreur : aucune série à prévoir"), prevision


def test_plancher_et_pairs(banc: dict) -> None:
    r = banc["json"]
    assert r["lignes_parquet"] == LIGNES_PARQUET
    plancher = r["plancher"]
    plancher_s = plancher["plancher_duckdb"]["duree_s"]
    assert plancher["dbt_trois_marts"]["succes"] is True
    assert plancher["dbt_trois_marts"]["modeles"] == MODELES_PLANCHER
    assert plancher["ratio"] == pytest.approx(plancher["dbt_trois_marts"]["duree_s"] / plancher_s)
    assert plancher["objectif_max"] == 3.0
    pairs = r["pairs"]
    # The pandas floor computes the same cells as the DuckDB one, value for value.
    assert pairs["memes_cellules"] is True
    assert pairs["pandas"]["resume"] == plancher["plancher_duckdb"]["resume"]
    assert pairs["ratio_pandas"] == pytest.approx(pairs["pandas"]["duree_s"] / plancher_s)
    postgres = pairs["postgres"]
    assert postgres.get("succes") is True, postgres
    assert postgres["echecs"] == []
    assert postgres["modeles"] == MODELES_PLANCHER
    # PostgreSQL's marts hold DuckDB's rows, secrecy verdicts included.
    assert postgres["memes_lignes"] == dict.fromkeys(
        ("taux_recouvrement_flux_mensuel", "procedures_actives_mensuel", "remises_dettes_annuel"), True
    )
    assert postgres["ratio"] == pytest.approx(postgres["duree_s"] / plancher["dbt_trois_marts"]["duree_s"])


def test_tableau_de_bord(banc: dict) -> None:
    r = banc["json"]
    tableau = r["tableau_de_bord"]
    pages = tableau["pages"]
    # Perspectives reads the forecasts, which tiny cannot make (above): its failure is expected.
    assert tableau["pages_en_echec"] == ["perspectives"], tableau["pages_en_echec"]
    assert any('"prevision.previsions" does not exist' in e for e in pages["perspectives"]["erreurs"])
    assert "tableau_de_bord" in r["echecs"] and "perspectives" in r["echecs"]["tableau_de_bord"]
    mesurees = {nom: p for nom, p in pages.items() if nom != "perspectives"}
    assert len(mesurees) >= 9, sorted(pages)
    for nom, page in mesurees.items():
        assert page["erreurs"] == [], nom
        assert 0 < page["p50_s"] <= page["p95_s"], nom
    assert tableau["p95_max_s"] == max(p["p95_s"] for p in mesurees.values())


def test_incremental(banc: dict) -> None:
    r = banc["json"]
    incremental = r["incremental"]
    assert incremental["fichiers"] == 8  # the new month's 6 monthly extracts and 2 photographs
    complet = r["etapes"]["ingestion"]["duree_s"] + r["etapes"]["construction"]["duree_s"]
    assert incremental["fraction"] == pytest.approx(
        (incremental["ingestion_s"] + incremental["construction_s"]) / complet, rel=1e-2
    )
    assert incremental["fraction"] > 0


def test_passage_a_l_echelle(banc: dict) -> None:
    echelle = banc["json"]["passage_a_l_echelle"]
    points = echelle["points"]
    assert [p["facteur"] for p in points] == [1, 2, 4]
    # The replication writes every raw row k times, but the ASF extract's (an aggregate, one row
    # per Caf, nature and month: its counts are multiplied instead); the national cells of the
    # count-like marts are then exactly k times the 1x's.
    entrepot = banc["travail"] / "donnees" / "warehouse" / "aripa.duckdb"
    with duckdb.connect(str(entrepot), read_only=True) as con:
        asf = con.execute("select count(*) from raw.asf").fetchall()[0][0]
    assert [p["lignes"] for p in points] == [(points[0]["lignes"] - asf) * k + asf for k in (1, 2, 4)]
    assert all(p["controle_multiplie_exactement"] is True for p in points[1:])
    assert all(p["duree_s"] > 0 for p in points)
    # The exponent is the least-squares slope of log(time) against log(rows).
    x = [math.log(p["lignes"]) for p in points]
    y = [math.log(p["duree_s"]) for p in points]
    mx, my = sum(x) / 3, sum(y) / 3
    pente = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True)) / sum((a - mx) ** 2 for a in x)
    assert echelle["exposant"] == pytest.approx(pente)
    assert echelle["objectif_max"] == 1.0


def test_accueil_ignore_et_rien_d_autre_en_echec(banc: dict) -> None:
    r = banc["json"]
    assert r["accueil"] == {"ignore": "--sans-accueil"}
    # The only failed section is the dashboard's, for the Perspectives page (above).
    assert sorted(r["echecs"]) == ["tableau_de_bord"], r["echecs"]
    print(f"banc tiny : {banc['duree_s']:.0f} s")


def test_ingestion_seule_ecrit_la_mesure_que_reprendre_lit(tmp_path) -> None:
    """`--ingestion-seule`: the history generated and loaded, measured, then nothing else; its
    figures in <travail>/donnees/mesure_ingestion.json, which `--reprendre` reads."""
    travail = tmp_path / "travail"
    resultat = aripa(
        "bench", "--scale", "tiny", "--ingestion-seule", "--work-dir", str(travail), donnees=tmp_path
    )
    assert resultat.returncode == 0, resultat.stdout[-3000:] + resultat.stderr[-3000:]
    mesure = json.loads((travail / "donnees" / "mesure_ingestion.json").read_text())
    assert sorted(mesure) == ["generation", "ingestion"]
    assert mesure["generation"]["fichiers"] == 74
    # The tiny set, seeded: 89 929 rows in its 74 files, none quarantined.
    assert mesure["ingestion"]["lignes_lues"] == mesure["ingestion"]["lignes_chargees"] == 89_929
    assert mesure["ingestion"]["duree_s"] > 0 and mesure["ingestion"]["pic_rss_octets"] > 0
    entrepot = travail / "donnees" / "warehouse" / "aripa.duckdb"
    with duckdb.connect(str(entrepot), read_only=True) as con:
        assert con.execute("select sum(lignes_chargees) from raw.manifeste").fetchall()[0][0] == 89_929
        # Stopped after the load: no dbt schema built.
        schemas = {
            r[0] for r in con.execute("select schema_name from information_schema.schemata").fetchall()
        }
    assert "marts" not in schemas
    sortie = json.loads((tmp_path / "outputs" / "bench" / "dernier_tiny.json").read_text())
    assert "plancher" not in sortie and "echecs" not in sortie
