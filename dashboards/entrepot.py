"""Read-only access to the published file of the reader's scope (never the warehouse being built).

Every page reads through here. The reader's scope (national, comite or caf:CODE) comes from the
sign-in (dashboards/connexion.py: local account or identity provider, then config/lecteurs.toml),
or, when no sign-in is configured, from that file's `sans_connexion` entry; only that scope's file
is opened, so a local pilot's session cannot read another Caf's rows: they are not in the file. A
reader not signed in, or without a scope, is stopped here.

The cache key includes the published file's path and modification time: after `aripa build` swaps
a new file in, the next read sees it, and until then reads come from the cache.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from dashboards.connexion import exiger_connexion
from pipelines.config import chemins
from pipelines.portees import Portee, nom_fichier


def portee_lecteur() -> Portee:
    """The scope of this session's reader (dashboards/connexion.py: the sign-in, never the URL);
    stops the page with the sign-in form when the reader is not signed in, or has no scope."""
    return exiger_connexion().portee


def fichier_publie() -> Path:
    """The published file of the reader's scope."""
    return chemins().publication_portee(nom_fichier(portee_lecteur()))


def version_publiee() -> float | None:
    """Modification time of the reader's published file, or None when nothing is published yet."""
    chemin = fichier_publie()
    return chemin.stat().st_mtime if chemin.exists() else None


def _version() -> tuple[str, float]:
    """(path, mtime) of the reader's published file: the cache key of every read."""
    chemin = fichier_publie()
    if not chemin.exists():
        raise FileNotFoundError(str(chemin))
    return str(chemin), chemin.stat().st_mtime


def _ouvrir(chemin: str) -> duckdb.DuckDBPyConnection:
    """The published file as it is now. Not duckdb.connect(chemin): DuckDB shares one database
    instance per path within a process, so while another session's connection is open, a new
    connect would read the file that session opened, replaced since by a build, and cache old
    figures under the new version's key. Attached to a fresh in-memory database, the file is
    opened anew."""
    con = duckdb.connect()
    con.execute("attach ? as publication (read_only)", [chemin])
    con.execute("use publication")
    return con


@st.cache_data(show_spinner=False, max_entries=64)
def _lire(sql: str, parametres: tuple, publication: tuple[str, float]) -> pd.DataFrame:
    with _ouvrir(publication[0]) as con:
        return con.execute(sql, list(parametres)).df()


def lire(sql: str, parametres: tuple = ()) -> pd.DataFrame:
    return _lire(sql, parametres, _version())


@st.cache_data(show_spinner=False)
def _definition(schema: str, table: str, publication: tuple[str, float]) -> tuple[str, pd.DataFrame]:
    """The model's dbt documentation, persisted as table and column comments (persist_docs)."""
    with _ouvrir(publication[0]) as con:
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
