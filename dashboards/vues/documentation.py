"""Que veut dire chaque indicateur, d'où vient-il, comment est-il testé ?

Audience: every user of the figures. Shows the dbt documentation of the catalogue (`dbt docs
generate --static`, written by `aripa build`): each KPI's meaning, numerator, denominator, unit,
grain and source, its lineage from the extracts and its tests. Nothing is computed here.
"""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

from pipelines.config import chemins

st.title("Documentation des indicateurs")
st.caption(
    "Chaque indicateur a une seule définition, dans un modèle dbt documenté : signification, "
    "numérateur, dénominateur, unité, grain, source. Cette page affiche la documentation générée "
    "par la dernière construction (`aripa build`)."
)

fichier = chemins().documentation
if not fichier.exists():
    st.warning("Documentation absente : lancez `aripa build` (ou `aripa demo`) pour la générer.")
    st.stop()


@st.cache_data(show_spinner=False)
def _lire(chemin: str, version: float) -> str:
    with open(chemin, encoding="utf-8") as f:
        return f.read()


html = _lire(str(fichier), fichier.stat().st_mtime)
st.download_button(
    "Télécharger la documentation (un fichier HTML autonome)",
    data=html,
    file_name="catalogue_indicateurs_aripa.html",
    mime="text/html",
)
st.markdown(
    "Dans la documentation : *Project* → `aripa` → `models` → `marts` pour les indicateurs ; "
    "le graphe de lignage (icône en bas à droite) montre d'où vient chaque chiffre."
)
components.html(html, height=900, scrolling=True)
