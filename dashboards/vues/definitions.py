"""Que veut dire chaque indicateur : numérateur, dénominateur, unité, grain, source ?

Audience: every user of the figures. Shows the dbt documentation of every published mart, as dbt
persisted it in the table and column comments (persist_docs) carried into the reader's published
file: served from the project, nothing fetched from another host, nothing computed here.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import composants as c
from dashboards.entrepot import lire
from pipelines import format_fr

portee = c.entete(
    "Définitions des indicateurs",
    "Chaque indicateur a une seule définition, dans un modèle dbt documenté : signification, numérateur, "
    "dénominateur, unité, grain, source. Ces définitions sont celles de la dernière construction "
    "(`aripa build`), lues dans le fichier publié de votre portée.",
)
tables = lire(
    "select table_name, coalesce(comment, '') as commentaire from duckdb_tables() "
    "where schema_name = 'marts' order by table_name"
)
if tables.empty:
    st.info("Aucun indicateur publié dans votre portée.")
    st.stop()
# A title for each mart: the bold words that open its description (`**Taux de recouvrement** ...`).
tables["titre"] = [
    t.split("**")[1] if t.count("**") >= 2 else n
    for n, t in zip(tables["table_name"], tables["commentaire"], strict=True)
]
titres = dict(zip(tables["table_name"], tables["titre"], strict=True))
recherche = st.text_input("Chercher un mot dans les définitions", key="recherche", bind="query-params")
if recherche:
    garder = tables["commentaire"].str.contains(recherche, case=False, regex=False) | tables[
        "table_name"
    ].str.contains(recherche, case=False, regex=False)
    tables = tables[garder]
    if tables.empty:
        st.info(f"Aucune définition ne contient « {recherche} ».")
        st.stop()
mart = c.choix(
    "Indicateur", tables["table_name"].tolist(), "mart", libelles=lambda m: f"{titres.get(m, m)} ({m})"
)
commentaire = tables.loc[tables["table_name"] == mart, "commentaire"].iloc[0]
st.subheader(titres[mart])
st.markdown(commentaire or "_Pas de description._")
colonnes = lire(
    "select column_name as colonne, data_type as type, coalesce(comment, "
    "'') as description from duckdb_columns() "
    "where schema_name = 'marts' and table_name = ? order by column_index",
    (mart,),
)
affiche, masques = c.tableau(
    colonnes,
    {"colonne": ("Colonne", "texte"), "type": ("Type", "texte"), "description": ("Définition", "texte")},
    cle="colonnes",
)
st.caption(f"Table `marts.{mart}` ; {format_fr.nombre(len(colonnes))} colonnes.")

st.subheader("Toutes les définitions")
tout = c.definitions(tables["table_name"].tolist())
st.download_button(
    "Télécharger toutes les définitions (CSV)",
    data=lambda: tout.to_csv(sep=";", index=False).encode("utf-8-sig"),
    file_name="definitions_indicateurs_aripa.csv",
    mime="text/csv",
    on_click="ignore",
    key="toutes_csv",
)
st.dataframe(
    pd.DataFrame(
        {"Indicateur": [titres.get(m, m) for m in tables["table_name"]], "Table": tables["table_name"]}
    ),
    hide_index=True,
    width="stretch",
)
