"""The raw handoff: the checked, pseudonymised rows of `raw.*` landed as Parquet for another engine.

`aripa ingest` loads the DuckDB warehouse (its uniqueness checks, manifest and withdrawals need the
warehouse); this optional step then copies every `raw` table to Parquet, which any engine reads as
its `raw` sources (the Spark target declares them as external tables: macro
declarer_sources_parquet). Only what is already in `raw` goes out: pseudonymous keys, never a
personal value.

Layout (under `<data>/passage/`): `brut` is a symbolic link to one complete version
`brut.<stamp>/`, holding `<table>/_periode=AAAA-MM-JJ/*.parquet` for each extract (partitioned by
extract and month covered) and `<table>/donnees.parquet` for the load tables (manifest,
quarantine, validations). A version is written whole under its own name, then the link is swapped
by a rename (atomic): a reader sees the previous version or the new one, never half of one.
`empreinte.json` in each version names the manifest state it was copied from, so a build can tell
a stale copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

COLONNE_MOIS = "_periode"
FICHIER_EMPREINTE = "empreinte.json"


@dataclass(frozen=True)
class PassageBrut:
    dossier: Path  # the version written (the link's target)
    tables: dict[str, int]  # table -> rows written
    empreinte: str


def lien_passage(donnees: Path) -> Path:
    return donnees / "passage" / "brut"


def empreinte_manifeste(con: duckdb.DuckDBPyConnection) -> str:
    """What was loaded (every file, its content hash and status, when): changes with each
    ingestion or withdrawal, not otherwise."""
    lignes = con.execute(
        "select fichier, sha256, statut, charge_le from raw.manifeste order by all"
    ).fetchall()
    return hashlib.sha256(repr(lignes).encode()).hexdigest()


def empreinte_entrepot(entrepot: Path) -> str:
    with duckdb.connect(str(entrepot), read_only=True) as con:
        return empreinte_manifeste(con)


def empreinte_passage(donnees: Path) -> str | None:
    """The manifest state of the current raw handoff; None when there is none."""
    fichier = lien_passage(donnees) / FICHIER_EMPREINTE
    if not fichier.exists():
        return None
    return json.loads(fichier.read_text(encoding="utf-8"))["empreinte_manifeste"]


def _litteral(texte: str) -> str:
    return "'" + texte.replace("'", "''") + "'"


def ecrire_passage_brut(entrepot: Path, donnees: Path) -> PassageBrut:
    """Copy every `raw` table of the warehouse to a new Parquet version, then swap the link to it."""
    lien = lien_passage(donnees)
    lien.parent.mkdir(parents=True, exist_ok=True)
    horodatage = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    version = lien.parent / f"brut.{horodatage}"
    provisoire = version.with_name(version.name + ".copie")
    shutil.rmtree(provisoire, ignore_errors=True)
    provisoire.mkdir()
    tables: dict[str, int] = {}
    try:
        with duckdb.connect(str(entrepot), read_only=True) as con:
            empreinte = empreinte_manifeste(con)
            noms = [
                t
                for (t,) in con.execute(
                    "select table_name from duckdb_tables() where schema_name = 'raw' order by 1"
                ).fetchall()
            ]
            for table in noms:
                colonnes = {
                    c
                    for (c,) in con.execute(
                        "select column_name from duckdb_columns() where schema_name = 'raw' "
                        "and table_name = ?",
                        [table],
                    ).fetchall()
                }
                (lignes,) = con.execute(f'select count(*) from raw."{table}"').fetchone()
                tables[table] = lignes
                cible = provisoire / table
                if COLONNE_MOIS in colonnes and lignes:
                    # One directory per month covered (hive style), read back as the column.
                    con.execute(
                        f'copy raw."{table}" to {_litteral(str(cible))} '
                        f"(format parquet, partition_by ({COLONNE_MOIS}), filename_pattern 'donnees_{{i}}')"
                    )
                else:
                    # The load tables, and an extract with no row yet (its columns still go out).
                    cible.mkdir()
                    con.execute(
                        f'copy raw."{table}" to {_litteral(str(cible / "donnees.parquet"))} (format parquet)'
                    )
        (provisoire / FICHIER_EMPREINTE).write_text(
            json.dumps({"empreinte_manifeste": empreinte, "tables": tables}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
        os.replace(provisoire, version)
    except BaseException:
        shutil.rmtree(provisoire, ignore_errors=True)
        raise
    ancien = lien.resolve() if lien.is_symlink() else None
    lien_provisoire = lien.with_name(lien.name + ".lien")
    lien_provisoire.unlink(missing_ok=True)
    lien_provisoire.symlink_to(version.name)  # relative: the data directory can move
    os.replace(lien_provisoire, lien)
    if ancien is not None and ancien != version:
        shutil.rmtree(ancien, ignore_errors=True)
    return PassageBrut(version, tables, empreinte)
