"""The marts handoff: marts another engine built, as Parquet, read back by the one publish step.

The publish step (pipelines/publication.py) writes the readers' DuckDB files, masking secret cells,
from a DuckDB connection holding the marts. When Spark built them, the marts the publication reads
(those with a `diffusion` meta, and the GIPA panel whose fingerprint is published) are written from
Spark to `<data>/passage/marts` (a link swapped atomically to a complete version, as the raw handoff
is), then loaded into an in-memory DuckDB: the same publication code, the same files, whatever the
engine. The table and column comments that dbt's persist_docs writes on DuckDB come from dbt's
manifest (the same descriptions), and the warehouse's `evaluation` schema, written by `aripa
evaluate`, is copied beside them.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.config import Chemins

# Read by the publication beside the published marts: the GIPA panel's fingerprint is published.
MARTS_HORS_DIFFUSION = ("evaluation_panel_gipa",)


def lien_passage_marts(chemins: Chemins) -> Path:
    return chemins.donnees / "passage" / "marts"


def marts_a_exporter(chemins: Chemins) -> list[str]:
    from pipelines.publication import regles

    return sorted({r.table for r in regles(chemins)} | set(MARTS_HORS_DIFFUSION))


def _sans_fuseau(cadre):
    """Spark's `timestamp` (an instant) as the wall-clock time of the session's zone without zone,
    DuckDB's TIMESTAMP: otherwise the Parquet file holds a UTC instant that DuckDB reads as
    TIMESTAMP WITH TIME ZONE (the load times, cast to the contracts' `timestamp` in staging)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampType

    return cadre.select(
        *[
            F.col(c.name).cast("timestamp_ntz").alias(c.name)
            if isinstance(c.dataType, TimestampType)
            else F.col(c.name)
            for c in cadre.schema.fields
        ]
    )


def ecrire_passage_marts(spark, chemins: Chemins, tables: list[str]) -> dict[str, int]:
    """Write each Spark table `marts.<table>` to a new Parquet version, then swap the link to it.
    A mart that was not built (a partial selection) is left out, as the publication does."""
    lien = lien_passage_marts(chemins)
    lien.parent.mkdir(parents=True, exist_ok=True)
    version = lien.parent / f"marts.{datetime.now().strftime('%Y%m%dT%H%M%S%f')}"
    provisoire = version.with_name(version.name + ".copie")
    shutil.rmtree(provisoire, ignore_errors=True)
    # Timestamps as plain microseconds (not Spark's legacy INT96), read by DuckDB as they are.
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    existantes = {r.tableName for r in spark.sql("show tables in marts").collect()}
    lignes: dict[str, int] = {}
    try:
        for table in tables:
            if table not in existantes:
                continue
            cadre = _sans_fuseau(spark.table(f"marts.{table}"))
            cadre.coalesce(1).write.parquet(str(provisoire / table))
            lignes[table] = cadre.count()
        provisoire.mkdir(exist_ok=True)
        os.replace(provisoire, version)
    except BaseException:
        shutil.rmtree(provisoire, ignore_errors=True)
        raise
    ancien = lien.resolve() if lien.is_symlink() else None
    lien_provisoire = lien.with_name(lien.name + ".lien")
    lien_provisoire.unlink(missing_ok=True)
    lien_provisoire.symlink_to(version.name)
    os.replace(lien_provisoire, lien)
    if ancien is not None and ancien != version:
        shutil.rmtree(ancien, ignore_errors=True)
    return lignes


def _litteral(texte: str) -> str:
    return "'" + texte.replace("'", "''") + "'"


def _documentation(chemins: Chemins) -> dict[str, tuple[str, dict[str, str]]]:
    """Each mart's description and its columns', from the manifest of the build."""
    manifeste = chemins.donnees / "dbt" / "target" / "manifest.json"
    noeuds = json.loads(manifeste.read_text(encoding="utf-8"))["nodes"].values()
    return {
        n["name"]: (
            n.get("description") or "",
            {c: (d.get("description") or "") for c, d in (n.get("columns") or {}).items()},
        )
        for n in noeuds
        if n.get("resource_type") == "model" and n.get("schema") == "marts"
    }


def charger_passage_marts(con: duckdb.DuckDBPyConnection, chemins: Chemins) -> list[str]:
    """Load the marts handoff into `con`'s schema `marts` (and the warehouse's `evaluation`)."""
    lien = lien_passage_marts(chemins)
    if not lien.exists():
        raise FileNotFoundError(f"{lien} : aucun passage des marts (lancer `aripa build --target spark`)")
    documentation = _documentation(chemins)
    con.execute("create schema marts")
    chargees = []
    for dossier in sorted(p for p in lien.resolve().iterdir() if p.is_dir()):
        table = dossier.name
        con.execute(
            f'create table marts."{table}" as select * '
            f"from read_parquet({_litteral(str(dossier / '*.parquet'))})"
        )
        description, colonnes = documentation.get(table, ("", {}))
        if description:
            con.execute(f'comment on table marts."{table}" is {_litteral(description)}')
        existantes = {d[0] for d in con.execute(f'select * from marts."{table}" limit 0').description}
        for colonne, texte in colonnes.items():
            if texte and colonne in existantes:
                con.execute(f'comment on column marts."{table}"."{colonne}" is {_litteral(texte)}')
        chargees.append(table)
    con.execute("create schema evaluation")
    if chemins.entrepot.exists():
        con.execute(f"attach {_litteral(str(chemins.entrepot))} as entrepot (read_only)")
        try:
            evaluation = con.execute(
                "select table_name from duckdb_tables() "
                "where database_name = 'entrepot' and schema_name = 'evaluation' order by 1"
            ).fetchall()
            for (table,) in evaluation:
                con.execute(
                    f'create table evaluation."{table}" as select * from entrepot.evaluation."{table}"'
                )
        finally:
            con.execute("detach entrepot")
    return chargees
