"""The dbt project runs on DuckDB and on Spark with no edit between them (README, "Running on Spark"):
types every engine reads, engine-specific parts behind adapter.dispatch, and the raw handoff
(Parquet) that another engine reads as its `raw` sources."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.config import DOSSIER_DBT
from pipelines.ingestion.executer import ingerer
from pipelines.ingestion.parquet import (
    FICHIER_EMPREINTE,
    ecrire_passage_brut,
    empreinte_entrepot,
    empreinte_passage,
    lien_passage,
)
from pipelines.ingestion.pseudonymisation import Pseudonymiseur
from tests.conftest import CLE_TEST, PETIT_JEU, ecrire_jeu

# Type names DuckDB and Spark both read as the same type (string: DuckDB's VARCHAR, Spark's text;
# timestamp: a load time, read the same on both when the session runs in UTC).
TYPE_PORTABLE = re.compile(r"^(string|bigint|integer|boolean|date|timestamp|double|decimal\(\d+,\d+\))$")


def _types_des_contrats() -> list[tuple[str, str, str]]:
    """(file, column, data_type) of every model column in the models' YAML (not the extract
    contract: sources are read as they are, their types are the ingestion's)."""
    types = []
    for fichier in sorted((DOSSIER_DBT / "models").rglob("*.yml")):
        contenu = yaml.safe_load(fichier.read_text(encoding="utf-8")) or {}
        for modele in contenu.get("models") or []:
            for colonne in modele.get("columns") or []:
                if "data_type" in colonne:
                    types.append((fichier.name, colonne["name"], str(colonne["data_type"])))
    return types


def test_les_contrats_des_modeles_n_ont_que_des_types_portables():
    types = _types_des_contrats()
    assert len(types) > 300  # every mart's contract is read (a parsing slip would check nothing)
    hors = [t for t in types if not TYPE_PORTABLE.match(t[2])]
    assert hors == []


def test_les_types_des_seeds_sont_portables():
    projet = yaml.safe_load((DOSSIER_DBT / "dbt_project.yml").read_text(encoding="utf-8"))
    types = {
        (seed, colonne): str(type_)
        for seed, config in projet["seeds"]["aripa"].items()
        if isinstance(config, dict)
        for colonne, type_ in (config.get("+column_types") or {}).items()
    }
    assert len(types) >= 20
    assert {k: v for k, v in types.items() if not TYPE_PORTABLE.match(v)} == {}


def test_le_sql_des_modeles_n_a_pas_de_type_propre_a_un_moteur():
    """`varchar` (Spark 4 wants a length), `double precision` (not Spark syntax): through
    dbt.type_string() and the project's type_reel(), whose default branch is the only place left."""
    fautes = []
    for fichier in sorted(
        [*(DOSSIER_DBT / "models").rglob("*.sql"), *(DOSSIER_DBT / "macros").rglob("*.sql")]
    ):
        # Jinja comments are text (they may name the types): blanked, keeping the line numbers.
        texte = re.sub(
            r"\{#.*?#\}",
            lambda m: "\n" * m.group(0).count("\n"),
            fichier.read_text(encoding="utf-8"),
            flags=re.S,
        )
        for numero, ligne in enumerate(texte.splitlines(), start=1):
            code = ligne.split("--")[0]
            if re.search(r"\bvarchar\b|double precision", code, re.IGNORECASE):
                fautes.append(f"{fichier.name}:{numero}")
    # The default branches of the two dispatched macros (Postgres-style engines) keep the standard name.
    assert fautes == ["rapport.sql:9", "type_reel.sql:10"]


def test_la_strategie_incrementale_passe_par_la_macro_dispatchee():
    incrementaux = [
        f
        for f in sorted((DOSSIER_DBT / "models").rglob("*.sql"))
        if "materialized='incremental'" in f.read_text(encoding="utf-8")
    ]
    assert [f.name for f in incrementaux] == [
        "int_recouvrement_procedure_mois.sql",
        "int_versements_procedure_mois.sql",
    ]
    for fichier in incrementaux:
        texte = fichier.read_text(encoding="utf-8")
        assert "incremental_strategy" not in texte
        assert "**incrementale_mensuelle('mois')" in texte


def _lire_passage(dossier: Path, table: str) -> list[tuple]:
    with duckdb.connect() as con:
        return con.execute(
            f"select * exclude (_periode), _periode from read_parquet('{dossier}/{table}/**/*.parquet', "
            "hive_partitioning = true) order by all"
        ).fetchall()


@pytest.fixture
def entrepot_petit_jeu(tmp_path: Path) -> Path:
    ecrire_jeu(tmp_path / "landing", PETIT_JEU)
    ingerer(tmp_path / "landing", tmp_path / "aripa.duckdb", Pseudonymiseur(bytes.fromhex(CLE_TEST)))
    return tmp_path / "aripa.duckdb"


def test_le_passage_brut_rend_les_lignes_de_raw_par_extraction_et_mois(entrepot_petit_jeu, tmp_path):
    donnees = tmp_path / "donnees"
    passage = ecrire_passage_brut(entrepot_petit_jeu, donnees)
    lien = lien_passage(donnees)
    assert lien.is_symlink() and lien.resolve() == passage.dossier
    # Partitioned by extract and month covered (the file's month): versements_2026-01 and -02.
    assert sorted(p.name for p in (lien / "versements").iterdir()) == [
        "_periode=2026-01-01",
        "_periode=2026-02-01",
    ]
    with duckdb.connect(str(entrepot_petit_jeu), read_only=True) as con:
        for table in ("procedures", "plan_recouvrement", "versements"):
            attendu = con.execute(
                f"select * exclude (_periode), _periode from raw.{table} order by all"
            ).fetchall()
            assert _lire_passage(lien, table) == attendu
            assert passage.tables[table] == len(attendu)
        quarantaine = con.execute("select count(*) from raw.quarantaine").fetchone()[0]
    # The hand-computed set: 4 procedures, 5 plan lines, 4 payments loaded (V1, V2, V4, V6); 4 rows in
    # quarantine (P4 unknown Caf, V3 amount, V4's duplicate, V5 date).
    assert (
        passage.tables["procedures"],
        passage.tables["plan_recouvrement"],
        passage.tables["versements"],
    ) == (
        4,
        5,
        4,
    )
    assert passage.tables["quarantaine"] == quarantaine == 4
    assert json.loads((lien / FICHIER_EMPREINTE).read_text())["tables"] == passage.tables


def test_le_passage_brut_ne_porte_aucune_valeur_personnelle(entrepot_petit_jeu, tmp_path):
    donnees = tmp_path / "donnees"
    ecrire_passage_brut(entrepot_petit_jeu, donnees)
    with duckdb.connect() as con:
        texte = con.execute(
            f"select string_agg(cast(columns(*) as varchar), '|') from read_parquet("
            f"'{lien_passage(donnees)}/procedures/**/*.parquet', hive_partitioning = true)"
        ).fetchone()
    tout = "|".join(str(v) for v in texte)
    assert "P1" in tout  # the file number is read (the check reads the values)
    assert not any(matricule in tout for matricule in ("1000001", "2000001", "1000002"))


def test_le_passage_brut_est_remplace_d_un_bloc_et_dit_son_etat(entrepot_petit_jeu, tmp_path):
    donnees = tmp_path / "donnees"
    premier = ecrire_passage_brut(entrepot_petit_jeu, donnees)
    assert empreinte_passage(donnees) == empreinte_entrepot(entrepot_petit_jeu)
    with duckdb.connect(str(entrepot_petit_jeu)) as con:  # a withdrawal or a load moves the manifest
        con.execute("update raw.manifeste set statut = 'retrait' where fichier = 'plan_2026-02.csv'")
    assert empreinte_passage(donnees) != empreinte_entrepot(entrepot_petit_jeu)
    second = ecrire_passage_brut(entrepot_petit_jeu, donnees)
    assert empreinte_passage(donnees) == empreinte_entrepot(entrepot_petit_jeu)
    assert second.dossier != premier.dossier and not premier.dossier.exists()
    # Nothing half-written is left beside the current version.
    assert sorted(p.name for p in (donnees / "passage").iterdir()) == ["brut", second.dossier.name]


def test_aripa_ingest_parquet_depose_le_passage_apres_le_chargement(tmp_path):
    from tests.conftest import aripa

    ecrire_jeu(tmp_path / "landing", PETIT_JEU)
    resultat = aripa("ingest", "--parquet", donnees=tmp_path)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "raw.versements : 4 lignes" in resultat.stdout
    assert empreinte_passage(tmp_path) == empreinte_entrepot(tmp_path / "warehouse" / "aripa.duckdb")
    sans = tmp_path / "sans"
    ecrire_jeu(sans / "landing", PETIT_JEU)
    assert aripa("ingest", donnees=sans).returncode == 0
    assert not lien_passage(sans).exists()  # optional: only with --parquet
