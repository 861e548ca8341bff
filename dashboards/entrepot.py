"""Read-only access to the published copy of the warehouse (never the file being built).

The cache key includes the published file's modification time: after `aripa build` swaps a new
copy in, the next read sees it, and until then reads come from the cache.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from pipelines.config import chemins


def version_publiee() -> float | None:
    """Modification time of the published copy, or None when nothing has been published yet."""
    chemin = chemins().publication
    return chemin.stat().st_mtime if chemin.exists() else None


def _version() -> tuple[str, float]:
    """(path, mtime) of the published copy: the cache key of every read."""
    version = version_publiee()
    if version is None:
        raise FileNotFoundError(str(chemins().publication))
    return str(chemins().publication), version


@st.cache_data(show_spinner=False, max_entries=64)
def _lire(sql: str, parametres: tuple, publication: tuple[str, float]) -> pd.DataFrame:
    with duckdb.connect(publication[0], read_only=True) as con:
        return con.execute(sql, list(parametres)).df()


def lire(sql: str, parametres: tuple = ()) -> pd.DataFrame:
    return _lire(sql, parametres, _version())


@st.cache_data(show_spinner=False)
def _definition(schema: str, table: str, publication: tuple[str, float]) -> tuple[str, pd.DataFrame]:
    """The model's dbt documentation, persisted as table and column comments (persist_docs)."""
    with duckdb.connect(publication[0], read_only=True) as con:
        lignes = con.execute(
            "select comment from duckdb_tables() where schema_name = ? and table_name = ?", [schema, table]
        ).fetchall()
        colonnes = con.execute(
            "select column_name as colonne, comment as description from duckdb_columns() "
            "where schema_name = ? and table_name = ? order by column_index",
            [schema, table],
        ).df()
    return (lignes[0][0] or "") if lignes else "", colonnes


def definition(schema: str, table: str) -> tuple[str, pd.DataFrame]:
    return _definition(schema, table, _version())
