"""Tableau de bord du pilotage ARIPA: `aripa dashboard` (or `streamlit run dashboards/app.py`)."""

from pathlib import Path

import streamlit as st

from dashboards.connexion import exiger_connexion, menu_connexion
from dashboards.memoire import figer_le_demarrage

# Not "pages/": Streamlit would also serve that folder as legacy pages, bypassing this navigation.
VUES = Path(__file__).parent / "vues"

st.set_page_config(page_title="Pilotage ARIPA", page_icon="📊", layout="wide")

# The sign-in gate: no page runs, and nothing is read, before the reader is known (dashboards/connexion.py).
lecteur = exiger_connexion()
menu_connexion(lecteur)


def page(fichier: str, titre: str, **options) -> st.Page:
    return st.Page(str(VUES / fichier), title=titre, **options)


portee = lecteur.portee
# One page per question. A local pilot's file holds their own Caf only: no Caf to compare with by
# name, but « Ma Caf » against the national level and unnamed comparable Cafs.
comparer = [] if portee.type == "caf" else [page("comparer_cafs.py", "Comparer les Caf")]
ma_caf = [page("ma_caf.py", "Ma Caf")] if portee.type == "caf" else []
navigation = st.navigation(
    {
        "Pilotage": [
            page("synthese.py", "Synthèse du mois", default=True),  # served at "/"
            *ma_caf,
            *comparer,
            page("taux_recouvrement.py", "Taux de recouvrement par mois"),
        ],
        "Activité": [
            page("procedures.py", "Procédures"),
            page("remises.py", "Remises de dettes"),
            page("creances.py", "Créances"),
            page("asf_saisies.py", "ASF et saisies"),
        ],
        "Perspectives": [page("perspectives.py", "Alertes, prévisions, objectifs")],
        "Évaluation": [page("evaluation_gipa.py", "Expérimentation GIPA")],
        "Référence": [
            page("qualite.py", "Qualité des données"),
            page("definitions.py", "Définitions"),
        ],
    }
)
navigation.run()
# After the first complete run, the libraries are loaded: out of the collector (dashboards/memoire.py).
figer_le_demarrage()
