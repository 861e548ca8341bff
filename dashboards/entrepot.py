"""Read-only access to the published file of the reader's scope (never the warehouse being built).

Every page reads through here. The reader's scope (national, comite or caf:CODE) comes from the
sign-in (account, then identity-provider groups) through config/lecteurs.toml, or, without sign-in,
from that file's `sans_connexion` entry; only that scope's file is opened, so a local pilot's
session cannot read another Caf's rows: they are not in the file. A reader without a scope is
stopped here.

The cache key includes the published file's path and modification time: after `aripa build` swaps
a new file in, the next read sees it, and until then reads come from the cache.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from pipelines.config import chemins
from pipelines.portees import Portee, PorteeInconnue, nom_fichier, portee_du_lecteur


def portee_lecteur() -> Portee:
    """The scope of this session's reader; stops the page when the reader has none."""
    utilisateur = st.user
    connecte = bool(utilisateur.get("is_logged_in", False))
    compte = utilisateur.get("email") if connecte else None
    groupes = utilisateur.get("groups") or [] if connecte else []
    try:
        return portee_du_lecteur(compte if connecte else None, groupes)
    except PorteeInconnue as err:
        st.error(f"Accès refusé : {err}.")
        st.stop()
        raise  # st.stop() raises; kept for type checkers


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
