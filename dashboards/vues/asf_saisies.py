"""Combien de familles reçoivent l'ASF, de quelle nature, et que recouvrent les saisies sur
prestations ?

Audience: the Direction de l'Aripa and local pilots. Reads `asf_beneficiaires_mensuel` (families,
children and amounts by kind: non recouvrable, recouvrable, complémentaire) and
`saisies_prestations_mensuel` (seizures active, what they recover, DEFAIL, suspension, stop and
closure events).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import composants as c
from dashboards import graphiques
from dashboards.entrepot import lire
from pipelines import format_fr

ASF, SAISIES = "asf_beneficiaires_mensuel", "saisies_prestations_mensuel"

portee = c.entete(
    "ASF et saisies",
    "Les familles bénéficiaires de l'allocation de soutien familial par nature, et les saisies sur "
    "prestations : stock, montants recouvrés, défaillances, suspensions, arrêts.",
)
niveau, zone, libelle = c.choix_niveau_zone(ASF, portee, ["caf", "departement", "region"])
asf = lire(
    f"select mois, nature_asf, nombre_familles, nombre_enfants, montant_verse, est_diffusable "
    f"from marts.{ASF} where niveau = ? and code_zone = ? order by mois, nature_asf",
    (niveau, zone),
)
if asf.empty:
    st.info("Aucune donnée ASF publiée pour cette sélection.")
    st.stop()
asf["mois"] = pd.to_datetime(asf["mois"]).dt.date
debut, fin = c.choix_periode(sorted(asf["mois"].unique()), cle="periode", defaut_mois=36)
asf = asf[(asf["mois"] >= debut) & (asf["mois"] <= fin)]
asf["nature"] = asf["nature_asf"].map(c.LIBELLES_NATURES_ASF).fillna(asf["nature_asf"])

st.subheader(f"Familles bénéficiaires de l'ASF : {libelle}")
st.plotly_chart(
    graphiques.series(
        asf,
        "nombre_familles",
        "Familles",
        pourcentage=False,
        serie="nature",
        en_avant=list(c.LIBELLES_NATURES_ASF.values()),
        format_survol=format_fr.nombre,
    ),
    width="stretch",
    key="asf",
)
tableau = asf.sort_values(["mois", "nature_asf"], ascending=[False, True]).assign(
    mois_lib=lambda d: [format_fr.mois_court(m) for m in d["mois"]]
)
affiche, masques = c.tableau(
    tableau,
    {
        "mois_lib": ("Mois", "texte"),
        "nature": ("Nature", "texte"),
        "nombre_familles": ("Familles", "nombre"),
        "nombre_enfants": ("Enfants", "nombre"),
        "montant_verse": ("Montant versé", "euros"),
    },
    masque=tableau["est_diffusable"].fillna(False),
    hauteur=320,
    cle="asf_tableau",
)
c.legende_secret()
c.telecharger(affiche, masques, f"asf_{zone}", [ASF])

st.subheader(f"Saisies sur prestations : {libelle}")
# Seizures count by the procedure's Caf: a Caf here is the Caf de résidence, as for the ASF it pays.
niveau_saisies = "caf_residence" if niveau == "caf" else niveau
saisies = lire(
    f"select mois, saisies_actives, montant_recouvre, montant_recouvre_retenue_prestations, nb_defail, "
    f"nb_suspensions, nb_prp_insuffisant, nb_arrets, nb_clotures_4e_defail, est_diffusable "
    f"from marts.{SAISIES} where niveau = ? and code_zone = ? and mois between ? and ? order by mois",
    (niveau_saisies, zone, debut, fin),
)
saisies["mois"] = pd.to_datetime(saisies["mois"]).dt.date
st.plotly_chart(
    graphiques.series(
        saisies.assign(libelle_zone=libelle),
        "saisies_actives",
        "Saisies actives",
        pourcentage=False,
        en_avant=[libelle],
        format_survol=format_fr.nombre,
    ),
    width="stretch",
    key="saisies",
)
tableau = saisies.sort_values("mois", ascending=False).assign(
    mois_lib=lambda d: [format_fr.mois_court(m) for m in d["mois"]]
)
affiche, masques = c.tableau(
    tableau,
    {
        "mois_lib": ("Mois", "texte"),
        "saisies_actives": ("Saisies actives", "nombre"),
        "montant_recouvre": ("Montant recouvré", "euros"),
        "montant_recouvre_retenue_prestations": ("dont par retenue sur prestations", "euros"),
        "nb_defail": ("Signalements DEFAIL", "nombre"),
        "nb_suspensions": ("Suspensions", "nombre"),
        "nb_prp_insuffisant": ("PRP insuffisant", "nombre"),
        "nb_arrets": ("Arrêts", "nombre"),
        "nb_clotures_4e_defail": ("Clôtures à la 4e défaillance", "nombre"),
    },
    masque=tableau["est_diffusable"].fillna(False),
    hauteur=320,
    cle="saisies_tableau",
)
c.telecharger(affiche, masques, f"saisies_{zone}", [SAISIES])
c.source([ASF, SAISIES], portee)
