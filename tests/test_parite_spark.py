"""Parity of the two engines: a demo slice built by `aripa build` (DuckDB) and by `aripa build
--target spark` publishes the same files, every mart equal to the cent, doubles within 1e-9.

Marked `spark` and skipped unless ARIPA_TESTS_SPARK=1: it needs the `spark` extra
(`uv sync --extra spark`) and takes about 20 minutes on 2 cores (Spark start-up, 0.5 to 5 s per
dbt node), so it runs from `.ci/run-spark` (README, "Running on Spark"), not in the default suite."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import aripa

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(
        os.environ.get("ARIPA_TESTS_SPARK") != "1",
        reason="parité Spark : ARIPA_TESTS_SPARK=1 (lancée par .ci/run-spark)",
    ),
]

# A whole calendar year: the annual marts that need every month of a year (the financial recovery
# rate, the Cafs' targets from the last complete year) have rows; on a part of a year (2026-05 to
# 2026-10, the slice before) they were empty on both engines, so equal without being compared.
TRANCHE = ("--from", "2025-01", "--to", "2025-12")
TOLERANCE_DOUBLE = 1e-9


@pytest.fixture(scope="module")
def deux_moteurs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The same ingested slice, built once by each engine (in two copies of the data directory)."""
    duck = tmp_path_factory.mktemp("duckdb")
    for arguments in (("generate", *TRANCHE), ("ingest",)):
        resultat = aripa(*arguments, donnees=duck)
        assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    spark = tmp_path_factory.mktemp("spark") / "donnees"
    shutil.copytree(duck, spark, symlinks=True)
    durees = {}
    for nom, donnees, arguments in (("duckdb", duck, ()), ("spark", spark, ("--target", "spark"))):
        debut = time.perf_counter()
        resultat = aripa("build", *arguments, donnees=donnees, timeout=3600)
        durees[nom] = time.perf_counter() - debut
        assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    print(f"\naripa build sur la tranche {TRANCHE[1]} à {TRANCHE[3]} : {durees}")
    return {"duckdb": duck, "spark": spark, "durees": durees}


def _tables(con: duckdb.DuckDBPyConnection, base: str) -> list[tuple[str, str]]:
    return con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? order by all", [base]
    ).fetchall()


def _colonnes(con: duckdb.DuckDBPyConnection, base: str, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [base, schema, table],
    ).fetchall()


def _genre(type_: str) -> str:
    if type_ in ("DOUBLE", "FLOAT", "REAL"):
        return "double"
    if type_.startswith("DECIMAL") or type_ in ("BIGINT", "INTEGER", "HUGEINT", "SMALLINT", "TINYINT"):
        return "exact"  # Spark and DuckDB widen sums differently (BIGINT / HUGEINT, DECIMAL(p, s))
    return type_


def _lignes(con, base: str, schema: str, table: str, colonnes: list[tuple[str, str]]) -> list[tuple]:
    """The table's rows, exact numbers to the cent, ordered by everything but the doubles."""
    expressions, ordre = [], []
    for nom, type_ in colonnes:
        genre = _genre(type_)
        if genre == "double":
            expressions.append(f'"{nom}"')
        elif genre == "exact":
            expressions.append(f'cast(round("{nom}", 2) as decimal(38, 2)) as "{nom}"')
            ordre.append(f'"{nom}"')
        else:
            expressions.append(f'"{nom}"')
            ordre.append(f'"{nom}"')
        if genre == "double":
            ordre.append(f'round("{nom}", 6)')
    return con.execute(
        f"select {', '.join(expressions)} from {base}.{schema}.{table} "
        f"order by {', '.join(ordre) or '1'} nulls first"
    ).fetchall()


def _egales(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= TOLERANCE_DOUBLE * max(1.0, abs(a), abs(b))
    return a == b


def test_les_deux_moteurs_publient_les_memes_marts(deux_moteurs):
    publie_duck = deux_moteurs["duckdb"] / "warehouse" / "publication"
    publie_spark = deux_moteurs["spark"] / "warehouse" / "publication"
    fichiers = sorted(p.name for p in publie_duck.glob("*.duckdb"))
    assert fichiers == sorted(p.name for p in publie_spark.glob("*.duckdb"))
    assert "national.duckdb" in fichiers and "comite.duckdb" in fichiers
    comparees, vides = 0, set()
    for fichier in fichiers:
        with duckdb.connect() as con:
            con.execute(f"attach '{publie_duck / fichier}' as a (read_only)")
            con.execute(f"attach '{publie_spark / fichier}' as b (read_only)")
            tables = _tables(con, "a")
            assert tables == _tables(con, "b"), fichier
            for schema, table in tables:
                colonnes_a = _colonnes(con, "a", schema, table)
                colonnes_b = _colonnes(con, "b", schema, table)
                assert [c for c, _ in colonnes_a] == [c for c, _ in colonnes_b], (fichier, table)
                genres = ([_genre(t) for _, t in colonnes_a], [_genre(t) for _, t in colonnes_b])
                assert genres[0] == genres[1], (fichier, table)
                lignes_a = _lignes(con, "a", schema, table, colonnes_a)
                lignes_b = _lignes(con, "b", schema, table, colonnes_a)
                assert len(lignes_a) == len(lignes_b), (fichier, table)
                if fichier == "national.duckdb" and not lignes_a:
                    vides.add(f"{schema}.{table}")
                for la, lb in zip(lignes_a, lignes_b, strict=True):
                    if not all(_egales(x, y) for x, y in zip(la, lb, strict=True)):
                        pytest.fail(f"{fichier} {schema}.{table} : {la} (DuckDB) != {lb} (Spark)")
                comparees += 1
    # The demo configuration's scopes, each with the published marts (a slip listing nothing fails).
    assert comparees >= 4 * 20
    # Every national table has rows to compare, but the quarantine's rules: the demo's extracts are
    # clean (a copy with defects, `--defects`, fails the build's relationship tests by design).
    assert vides <= {"marts.qualite_quarantaine_regles"}, vides


def test_le_tableau_de_bord_sert_les_marts_construites_par_spark(deux_moteurs, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    from pipelines import format_fr

    donnees = deux_moteurs["spark"]
    # In this copy only Spark built: its DuckDB warehouse holds the raw tables and no mart, so the
    # published files came through the marts handoff.
    with duckdb.connect(str(donnees / "warehouse" / "aripa.duckdb"), read_only=True) as con:
        schemas = {s for (s,) in con.execute("select distinct schema_name from duckdb_tables()").fetchall()}
    assert schemas == {"raw"}
    assert (donnees / "passage" / "marts" / "taux_recouvrement_flux_mensuel").is_dir()
    application = str(Path(__file__).resolve().parents[1] / "dashboards" / "app.py")
    lecteurs = tmp_path / "lecteurs.toml"
    lecteurs.write_text('[sans_connexion]\nportee = "national"\n', encoding="utf-8")
    monkeypatch.setenv("ARIPA_LECTEURS", str(lecteurs))
    monkeypatch.setenv("ARIPA_DATA_DIR", str(donnees))
    at = AppTest.from_file(application, default_timeout=120).run()
    assert not at.exception, at.exception
    base = donnees / "warehouse" / "publication" / "national.duckdb"
    with duckdb.connect(str(base), read_only=True) as con:
        mois, encaisse, attendu = con.execute(
            "select mois, montant_encaisse_tc, montant_attendu_tc from marts.taux_recouvrement_flux_mensuel "
            "where niveau = 'national' and code_procedure = 'ENSEMBLE' order by mois desc limit 1"
        ).fetchone()
        (actives,) = con.execute(
            "select sum(procedures_actives) from marts.procedures_actives_mensuel "
            "where niveau = 'national' and code_procedure <> 'IF' and mois = ?",
            [mois],
        ).fetchone()
    # The default page (Synthèse du mois) on the last month Spark published, its card recomputed
    # from the numerator and denominator it shows (as tests/test_pages.py does on the DuckDB build).
    assert at.title[0].value == "Synthèse du mois"
    assert at.subheader[0].value == f"France entière, {format_fr.mois(mois)}"
    metriques = {m.label: m.value for m in at.metric}
    assert metriques["Taux du TC (flux, mois)"] == format_fr.pourcentage(float(encaisse) / float(attendu))
    assert metriques["Procédures actives"] == format_fr.nombre(actives)
    legendes = " ".join(c.value for c in at.caption)
    assert (
        f"TC encaissé {format_fr.euros(float(encaisse))} / TC attendu {format_fr.euros(float(attendu))}"
        in legendes
    )
