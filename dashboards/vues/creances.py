"""Quelles créances sont implantées, recouvrées, remises, admises en non-valeur, et lesquelles vont
se prescrire ?

Audience: the Direction de l'Aripa and local pilots (004: "prévention de la prescription",
admissions en non-valeur). Reads `creances_mouvements_mensuel` (movements by month and family) and
`creances_proches_prescription` (créances being recovered, prescribed, prescribing within 6 and 12
months, by photograph).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import composants as c
from dashboards import graphiques
from dashboards.entrepot import lire
from pipelines import format_fr

MOUVEMENTS, PRESCRIPTION = "creances_mouvements_mensuel", "creances_proches_prescription"

portee = c.entete(
    "Créances",
    "Les mouvements des créances chaque mois (implantées, recouvrées dont par retenue sur prestations, "
    "remises, admises en non-valeur, annulées) et les créances proches de la prescription.",
)
niveau, zone, libelle = c.choix_niveau_zone(MOUVEMENTS, portee, ["caf", "departement", "region"])


# The family, the chart and the two tables: a fragment, so choosing the family reruns (and sends
# to the browser) this section only, not the header and the zone above it.
@st.fragment
def section_famille() -> None:
    famille = c.choix(
        "Famille de créances",
        list(c.LIBELLES_FAMILLES),
        "famille",
        libelles=c.LIBELLES_FAMILLES,
        horizontal=True,
    )

    mouvements = lire(
        f"select mois, nb_creances_implantees, montant_implante, montant_augmente, montant_recouvre, "
        f"montant_recouvre_retenue_prestations, part_recouvre_retenue_prestations, montant_remis, "
        f"nb_admissions_non_valeur, montant_admis_non_valeur, montant_annule, est_diffusable "
        f"from marts.{MOUVEMENTS} where niveau = ? and code_zone = ? and famille = ? order by mois",
        (niveau, zone, famille),
    )
    if mouvements.empty:
        st.info("Aucun mouvement publié pour cette sélection.")
        return
    mouvements["mois"] = pd.to_datetime(mouvements["mois"]).dt.date
    debut, fin = c.choix_periode(mouvements["mois"].tolist(), cle="periode", defaut_mois=36)
    mouvements = mouvements[(mouvements["mois"] >= debut) & (mouvements["mois"] <= fin)].assign(
        libelle_zone=libelle
    )

    st.subheader(f"Montant recouvré chaque mois : {libelle}")
    st.plotly_chart(
        graphiques.series(
            mouvements,
            "montant_recouvre",
            "Montant recouvré (EUR)",
            pourcentage=False,
            en_avant=[libelle],
            format_survol=format_fr.euros,
        ),
        width="stretch",
        key="recouvre",
    )
    tableau = mouvements.sort_values("mois", ascending=False).assign(
        mois_lib=lambda d: [format_fr.mois_court(m) for m in d["mois"]]
    )
    affiche, masques = c.tableau(
        tableau,
        {
            "mois_lib": ("Mois", "texte"),
            "nb_creances_implantees": ("Créances implantées", "nombre"),
            "montant_implante": ("Montant implanté", "euros"),
            "montant_recouvre": ("Montant recouvré", "euros"),
            "montant_recouvre_retenue_prestations": ("dont par retenue sur prestations", "euros"),
            "part_recouvre_retenue_prestations": ("Part par retenue", "taux"),
            "montant_remis": ("Montant remis", "euros"),
            "nb_admissions_non_valeur": ("Admissions en non-valeur", "nombre"),
            "montant_admis_non_valeur": ("Montant admis en non-valeur", "euros"),
            "montant_annule": ("Montant annulé", "euros"),
        },
        masque=tableau["est_diffusable"].fillna(False),
        hauteur=380,
        cle="mouvements",
    )
    c.legende_secret()
    c.telecharger(affiche, masques, f"creances_mouvements_{zone}_{famille}", [MOUVEMENTS])

    st.subheader("Créances proches de la prescription")
    prescription = lire(
        f"select mois_photographie, nb_creances_en_cours, solde_en_cours, nb_prescrites, solde_prescrit, "
        "nb_prescription_6_mois, solde_prescription_6_mois, "
        "nb_prescription_12_mois, solde_prescription_12_mois, "
        f"est_diffusable from marts.{PRESCRIPTION} where niveau = ? and code_zone = ? and famille = ? "
        f"order by mois_photographie desc",
        (niveau, zone, famille),
    )
    prescription["photo"] = [
        format_fr.mois(pd.Timestamp(m).date()) for m in prescription["mois_photographie"]
    ]
    affiche, masques = c.tableau(
        prescription,
        {
            "photo": ("Photographie", "texte"),
            "nb_creances_en_cours": ("En cours de recouvrement", "nombre"),
            "solde_en_cours": ("Solde en cours", "euros"),
            "nb_prescription_6_mois": ("Prescrites dans 6 mois", "nombre"),
            "solde_prescription_6_mois": ("Solde prescrit dans 6 mois", "euros"),
            "nb_prescription_12_mois": ("Prescrites dans 12 mois", "nombre"),
            "solde_prescription_12_mois": ("Solde prescrit dans 12 mois", "euros"),
            "nb_prescrites": ("Déjà prescrites", "nombre"),
            "solde_prescrit": ("Solde prescrit", "euros"),
        },
        masque=prescription["est_diffusable"].fillna(False),
        cle="prescription",
    )
    c.telecharger(affiche, masques, f"creances_prescription_{zone}_{famille}", [PRESCRIPTION])


section_famille()
c.source([MOUVEMENTS, PRESCRIPTION], portee)
