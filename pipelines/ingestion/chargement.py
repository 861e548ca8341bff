"""Write checked rows into the warehouse's `raw` schema, all files of a run in one transaction.

Rules (README, "Chargement"):
- a file is identified by its name; the same name with the same SHA-256 is already loaded: no-op;
- the same name with another content is a corrected re-send: its previous rows are replaced;
- a crash before COMMIT leaves the warehouse as it was (DuckDB transaction).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import polars as pl

from pipelines.contrat import COLONNES_LIGNAGE, Extraction

DDL_MANIFESTE = """
create table if not exists raw.manifeste (
    fichier varchar not null,
    sha256 varchar not null,
    extraction varchar not null,
    periode date,
    lignes_lues bigint not null,
    lignes_chargees bigint not null,
    lignes_quarantaine bigint not null,
    statut varchar not null,          -- chargé | remplacé (by a later version of the same file)
    empreinte_cle varchar not null,   -- fingerprint of the pseudonymisation key used
    charge_le timestamp not null,
    duree_s double not null
)"""
DDL_QUARANTAINE = """
create table if not exists raw.quarantaine (
    fichier varchar not null,
    ligne integer not null,
    champ varchar not null,
    regle varchar not null,
    valeur varchar
)"""


class EntrepotIncompatible(Exception):
    pass


@dataclass(frozen=True)
class Lot:
    """One file, checked and ready to load."""

    extraction: Extraction
    fichier: str
    sha256: str
    periode: date | None
    lignes_lues: int
    valides: pl.DataFrame
    quarantaine: pl.DataFrame
    duree_s: float


def scalaire(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> object:
    # DuckDB 2.0: fetchone() leaves the result open and blocks the connection; fetch it all.
    return con.execute(sql, params or []).fetchall()[0][0]


def preparer_schema(con: duckdb.DuckDBPyConnection, extractions: dict[str, Extraction]) -> None:
    con.execute("create schema if not exists raw")
    con.execute(DDL_MANIFESTE)
    con.execute(DDL_QUARANTAINE)
    for ext in extractions.values():
        attendues = {c.nom: c.type_entrepot for c in ext.colonnes} | COLONNES_LIGNAGE
        colonnes = ", ".join(f"{nom} {type_}" for nom, type_ in attendues.items())
        con.execute(f"create table if not exists raw.{ext.nom} ({colonnes})")
        presentes = {
            nom: type_
            for nom, type_ in con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw' and table_name = ?",
                [ext.nom],
            ).fetchall()
        }
        if set(presentes) != set(attendues):
            raise EntrepotIncompatible(
                f"raw.{ext.nom} ne suit plus le contrat "
                f"(colonnes {sorted(set(presentes) ^ set(attendues))}) : "
                "reconstruire l'entrepôt (supprimer data/warehouse et relancer `aripa ingest`)"
            )


def deja_charge(con: duckdb.DuckDBPyConnection, fichier: str, sha256: str) -> bool:
    return (
        scalaire(
            con,
            "select count(*) from raw.manifeste where fichier = ? and sha256 = ? and statut = 'chargé'",
            [fichier, sha256],
        )
        > 0
    )


def empreintes_cle(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("select distinct empreinte_cle from raw.manifeste").fetchall()}


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All files of a run commit together or not at all (a kill -9 mid-way leaves no partial rows)."""
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def charger_lot(con: duckdb.DuckDBPyConnection, lot: Lot, empreinte_cle: str) -> bool:
    """Insert one file's rows, quarantine and manifest row. Returns True if it replaced an earlier version."""
    table = f"raw.{lot.extraction.nom}"
    precedent = scalaire(
        con, "select count(*) from raw.manifeste where fichier = ? and statut = 'chargé'", [lot.fichier]
    )
    if precedent:
        con.execute(f"delete from {table} where _fichier = ?", [lot.fichier])
        con.execute("delete from raw.quarantaine where fichier = ?", [lot.fichier])
        con.execute(
            "update raw.manifeste set statut = 'remplacé' where fichier = ? and statut = 'chargé'",
            [lot.fichier],
        )
    lignes = lot.valides.with_columns(
        pl.lit(lot.fichier).alias("_fichier"), pl.lit(lot.periode, dtype=pl.Date).alias("_periode")
    ).to_arrow()
    con.register("lot_a_charger", lignes)
    con.execute(f"insert into {table} by name select * from lot_a_charger")
    con.unregister("lot_a_charger")
    if lot.quarantaine.height:
        con.register("lot_quarantaine", lot.quarantaine.to_arrow())
        con.execute("insert into raw.quarantaine by name select * from lot_quarantaine")
        con.unregister("lot_quarantaine")
    con.execute(
        "insert into raw.manifeste values (?, ?, ?, ?, ?, ?, ?, 'chargé', ?, ?, ?)",
        [
            lot.fichier,
            lot.sha256,
            lot.extraction.nom,
            lot.periode,
            lot.lignes_lues,
            lot.valides.height,
            lot.lignes_lues - lot.valides.height,
            empreinte_cle,
            datetime.now().replace(microsecond=0),
            round(lot.duree_s, 3),
        ],
    )
    return precedent > 0
