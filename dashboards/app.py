"""Tableau de bord du pilotage ARIPA: `aripa dashboard` (or `streamlit run dashboards/app.py`)."""

from pathlib import Path

import streamlit as st

# Not "pages/": Streamlit would also serve that folder as legacy pages, bypassing this navigation.
VUES = Path(__file__).parent / "vues"

st.set_page_config(page_title="Pilotage ARIPA", page_icon="📊", layout="wide")

navigation = st.navigation(
    {
        "Recouvrement": [
            st.Page(
                str(VUES / "taux_recouvrement.py"),
                title="Taux de recouvrement",
                default=True,  # served at "/"
            ),
        ],
        "Perspectives": [
            st.Page(str(VUES / "perspectives.py"), title="Alertes, prévisions, objectifs"),
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
