"""Tableau de bord du pilotage ARIPA: `aripa dashboard` (or `streamlit run dashboards/app.py`)."""

from pathlib import Path

import streamlit as st

from dashboards.connexion import exiger_connexion, menu_connexion

# Not "pages/": Streamlit would also serve that folder as legacy pages, bypassing this navigation.
VUES = Path(__file__).parent / "vues"

st.set_page_config(page_title="Pilotage ARIPA", page_icon="📊", layout="wide")

# The sign-in gate: no page runs, and nothing is read, before the reader is known (dashboards/connexion.py).
lecteur = exiger_connexion()
menu_connexion(lecteur)

navigation = st.navigation(
    {
        "Recouvrement": [
            st.Page(
                str(VUES / "taux_recouvrement.py"),
                title="Taux de recouvrement",
                default=True,  # served at "/"
            ),
        ],
        "Évaluation": [
            st.Page(str(VUES / "evaluation_gipa.py"), title="Expérimentation GIPA"),
        ],
        "Référence": [
            st.Page(str(VUES / "documentation.py"), title="Documentation des indicateurs"),
        ],
    }
)
navigation.run()
