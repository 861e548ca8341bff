"""Tableau de bord du pilotage ARIPA: `aripa dashboard` (or `streamlit run dashboards/app.py`)."""

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="Pilotage ARIPA", page_icon="📊", layout="wide")

navigation = st.navigation(
    {
        "Recouvrement": [
            st.Page(
                str(PAGES / "taux_recouvrement.py"),
                title="Taux de recouvrement",
                url_path="taux_recouvrement",
                default=True,
            ),
        ],
    }
)
navigation.run()
