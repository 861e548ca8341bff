"""Write checked rows into the warehouse's `raw` schema (a run's working copy: copie_de_travail.py).

Rules (README, "Chargement"):
- a file is identified by its name; the same name with the same SHA-256 is already loaded: no-op;
- the same name with another content is a corrected re-send: its previous rows are replaced;
- a file withdrawn by the operator (`aripa withdraw`, retrait.py) is not reloaded with the same
  content; another content under its name loads;
- a crash before the end of a run leaves the warehouse as it was (its working copy is dropped).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import polars as pl
import pyarrow as pa

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
    statut varchar not null,          -- chargé | remplacé (by a later version) | refusé (unreadable)
                                      -- | retiré (withdrawn) | retrait (the withdrawal itself)
    empreinte_cle varchar not null,   -- fingerprint of the pseudonymisation key used
    charge_le timestamp not null,
    duree_s double not null,
    message varchar,                  -- why a file was refused (file, line, field), what to check
    lignes_vides bigint not null default 0  -- blank lines, not rows: apart from lignes_lues
)"""
DDL_QUARANTAINE = """
create table if not exists raw.quarantaine (
    fichier varchar not null,
    ligne integer not null,
    champ varchar not null,
    regle varchar not null,
    valeur varchar,
    detail varchar
)"""

DDL_VALIDATIONS = """
create table if not exists raw.validations (
    valide_le timestamp not null,
    extraction varchar not null,
    fichiers varchar not null,        -- the files validated together, comma separated
    attente varchar not null,         -- Great Expectations expectation type
    colonne varchar not null,
    regle varchar not null,           -- the quarantine rule its failing rows go under
    lignes_validees bigint not null,
    lignes_en_echec bigint not null,
    succes boolean not null
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
    lignes_vides: int = 0
    message: str | None = None  # what the operator should check in a loaded file


def scalaire(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> object:
    # DuckDB 2.0: fetchone() leaves the result open and blocks the connection; fetch it all.
    return con.execute(sql, params or []).fetchall()[0][0]


def preparer_schema(con: duckdb.DuckDBPyConnection, extractions: dict[str, Extraction]) -> None:
    con.execute("create schema if not exists raw")
    con.execute(DDL_MANIFESTE)
    con.execute("alter table raw.manifeste add column if not exists message varchar")
    con.execute("alter table raw.manifeste add column if not exists lignes_vides bigint default 0")
    con.execute(DDL_QUARANTAINE)
    con.execute("alter table raw.quarantaine add column if not exists detail varchar")
    con.execute(DDL_VALIDATIONS)
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


def deja_charges(con: duckdb.DuckDBPyConnection, fichiers: list[tuple[str, str]]) -> dict[str, str]:
    """'déjà chargé', 'déjà retiré' or 'déjà refusé' for each of these files (name and content)
    already seen, in that precedence; files not seen are absent. One query per extract rather than
    per file (1 070 queries on the demo landing). Only this run writes the manifest rows of its own
    files, each after its own check, so asking first gives the same answers."""
    if not fichiers:
        return {}
    # Polars builds the Arrow table: pyarrow's own pa.table() imports pandas (1.5 s) on first use.
    demandes = pl.DataFrame(
        {"fichier": [f for f, _ in fichiers], "sha256": [s for _, s in fichiers]},
        schema=dict.fromkeys(("fichier", "sha256"), pl.String),
    ).to_arrow()
    con.register("fichiers_demandes", demandes)
    try:
        vus = con.execute(
            "select m.fichier, m.statut from raw.manifeste m join fichiers_demandes d "
            "on m.fichier = d.fichier and m.sha256 = d.sha256 "
            "where m.statut in ('chargé', 'retiré', 'refusé')"
        ).fetchall()
    finally:
        con.unregister("fichiers_demandes")
    statuts: dict[str, set[str]] = {}
    for fichier, statut in vus:
        statuts.setdefault(fichier, set()).add(statut)
    resultat = {}
    for fichier, vus_du_fichier in statuts.items():
        for statut in ("chargé", "retiré", "refusé"):
            if statut in vus_du_fichier:
                resultat[fichier] = f"déjà {statut}"
                break
    return resultat


def enregistrer_refus(
    con: duckdb.DuckDBPyConnection,
    fichier: str,
    sha256: str,
    extraction: str,
    periode: date | None,
    message: str,
    empreinte_cle: str,
) -> None:
    """A file that could not be read is in the manifest too, with why: nothing of it is loaded."""
    con.execute(
        "insert into raw.manifeste (fichier, sha256, extraction, periode, lignes_lues, lignes_chargees, "
        "lignes_quarantaine, statut, empreinte_cle, charge_le, duree_s, message) "
        "values (?, ?, ?, ?, 0, 0, 0, 'refusé', ?, ?, 0, ?)",
        [fichier, sha256, extraction, periode, empreinte_cle, datetime.now().replace(microsecond=0), message],
    )


def enregistrer_validation(
    con: duckdb.DuckDBPyConnection, resultats: pl.DataFrame, fichiers: list[str]
) -> None:
    """The result of each expectation of the suite, for the data quality page."""
    if resultats.is_empty():
        return
    lignes = resultats.with_columns(
        pl.lit(datetime.now().replace(microsecond=0)).alias("valide_le"),
        pl.lit(", ".join(fichiers)).alias("fichiers"),
    ).to_arrow()
    con.register("resultats_validation", lignes)
    con.execute("insert into raw.validations by name select * from resultats_validation")
    con.unregister("resultats_validation")


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


def valider_etape(con: duckdb.DuckDBPyConnection) -> None:
    """Commit what is loaded so far and go on in a new transaction: inside the run's working copy
    (copie_de_travail.py), so the warehouse itself still changes all at once or not at all."""
    con.execute("commit")
    con.execute("begin transaction")


def charger_lot(con: duckdb.DuckDBPyConnection, lot: Lot, empreinte_cle: str) -> bool:
    """Insert one file's rows, quarantine and manifest row. Returns True if it replaced an earlier version."""
    return charger_lots(con, [lot], empreinte_cle)[0]


def charger_lots(con: duckdb.DuckDBPyConnection, lots: list[Lot], empreinte_cle: str) -> list[bool]:
    """Insert the rows, quarantine and manifest rows of a batch's files, in their order, in one
    insert per table rather than three per file (per-file inserts were
    12 % of the demo load's time, py-spy). Returns, per lot, True if it replaced an earlier version."""
    if not lots:
        return []
    extraction = lots[0].extraction
    table = f"raw.{extraction.nom}"
    noms = pl.DataFrame({"fichier": [lot.fichier for lot in lots]}, schema={"fichier": pl.String}).to_arrow()
    con.register("fichiers_du_lot", noms)
    try:
        precedents = {
            r[0]
            for r in con.execute(
                "select distinct fichier from raw.manifeste "
                "where statut = 'chargé' and fichier in (select fichier from fichiers_du_lot)"
            ).fetchall()
        }
    finally:
        con.unregister("fichiers_du_lot")
    for lot in lots:
        if lot.fichier in precedents:  # a corrected re-send (rare): its previous version goes
            con.execute(f"delete from {table} where _fichier = ?", [lot.fichier])
            con.execute("delete from raw.quarantaine where fichier = ?", [lot.fichier])
            con.execute(
                "update raw.manifeste set statut = 'remplacé' where fichier = ? and statut = 'chargé'",
                [lot.fichier],
            )
    # Arrow tables concatenated as chunks: no copy of the batch's rows.
    lignes = pa.concat_tables(
        [
            lot.valides.with_columns(
                pl.lit(lot.fichier).alias("_fichier"), pl.lit(lot.periode, dtype=pl.Date).alias("_periode")
            ).to_arrow()
            for lot in lots
        ],
        promote_options="default",
    )
    con.register("lots_a_charger", lignes)
    try:
        con.execute(f"insert into {table} by name select * from lots_a_charger")
    finally:
        con.unregister("lots_a_charger")
    quarantaines = [lot.quarantaine for lot in lots if lot.quarantaine.height]
    if quarantaines:
        con.register("lots_quarantaine", pl.concat(quarantaines).to_arrow())
        try:
            con.execute("insert into raw.quarantaine by name select * from lots_quarantaine")
        finally:
            con.unregister("lots_quarantaine")
    maintenant = datetime.now().replace(microsecond=0)
    manifeste = pl.DataFrame(
        {
            "fichier": [lot.fichier for lot in lots],
            "sha256": [lot.sha256 for lot in lots],
            "extraction": [extraction.nom for _ in lots],
            "periode": [lot.periode for lot in lots],
            "lignes_lues": [lot.lignes_lues for lot in lots],
            "lignes_chargees": [lot.valides.height for lot in lots],
            "lignes_quarantaine": [lot.lignes_lues - lot.valides.height for lot in lots],
            "statut": ["chargé" for _ in lots],
            "empreinte_cle": [empreinte_cle for _ in lots],
            "charge_le": [maintenant for _ in lots],
            "duree_s": [round(lot.duree_s, 3) for lot in lots],
            "message": [lot.message for lot in lots],
            "lignes_vides": [lot.lignes_vides for lot in lots],
        },
        schema={
            "fichier": pl.String,
            "sha256": pl.String,
            "extraction": pl.String,
            "periode": pl.Date,
            "lignes_lues": pl.Int64,
            "lignes_chargees": pl.Int64,
            "lignes_quarantaine": pl.Int64,
            "statut": pl.String,
            "empreinte_cle": pl.String,
            "charge_le": pl.Datetime("us"),
            "duree_s": pl.Float64,
            "message": pl.String,
            "lignes_vides": pl.Int64,
        },
    ).to_arrow()
    con.register("manifeste_des_lots", manifeste)
    try:
        con.execute("insert into raw.manifeste by name select * from manifeste_des_lots")
    finally:
        con.unregister("manifeste_des_lots")
    return [lot.fichier in precedents for lot in lots]
