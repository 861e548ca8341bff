"""Combien de remises de dettes sont demandées et accordées, par qui, à quel taux, et l'écart entre
Caf se réduit-il ?

Audience: the Direction de l'Aripa (the Cour des comptes criticised the spread of write-off rates
between Cafs) and local pilots. Reads `remises_dettes_annuel` (requests, decisions, amount and rate
written off by deciding body, threshold, responsibility and QF bracket) and
`remises_dettes_dispersion_cafs` (the spread of the Cafs' rates, naming no Caf).
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboards import composants as c
from dashboards import graphiques
from dashboards.entrepot import lire

MART, DISPERSION = "remises_dettes_annuel", "remises_dettes_dispersion_cafs"
INSTANCES = {"SERVICES": "Services administratifs", "CRA": "Commission de recours amiable (CRA)"}
SEUILS = {"sous_seuil": "Sous le seuil (1,5 BMAF)", "au_dessus_seuil": "Au-dessus du seuil"}
RESPONSABILITES = {
    "CAF": "Erreur de la Caf",
    "TIERS": "Erreur d'un tiers",
    "ALLOCATAIRE": "Erreur de l'allocataire",
    "ALLOCATAIRE_GRAVE": "Erreur grave de l'allocataire",
    "DECES_ENFANT": "Décès d'un enfant",
}

portee = c.entete(
    "Remises de dettes",
    "Les demandes de remise, les décisions (totale, partielle, refus), le montant et le taux remis, par "
    "instance qui décide, seuil, responsabilité de la dette et tranche de QF ; l'écart des taux de remise "
    "entre Caf, année après année.",
)
niveau, zone, libelle = c.choix_niveau_zone(MART, portee, ["caf", "departement", "region"])
annees = lire(f"select distinct annee from marts.{MART} where niveau = ? and code_zone = ?", (niveau, zone))[
    "annee"
]
annee = c.choix_annee(list(annees), cle="annee")
f1, f2, f3, f4 = st.columns(4)
with f1:
    instance = c.choix(
        "Instance", ["toutes", *INSTANCES], "instance", libelles={"toutes": "Toutes", **INSTANCES}
    )
with f2:
    seuil = c.choix("Seuil", ["tous", *SEUILS], "seuil", libelles={"tous": "Tous", **SEUILS})
with f3:
    responsabilite = c.choix(
        "Responsabilité",
        ["toutes", *RESPONSABILITES],
        "responsabilite",
        libelles={"toutes": "Toutes", **RESPONSABILITES},
    )
with f4:
    tranche = c.choix(
        "Tranche de QF", ["toutes", "QF1", "QF2", "QF3", "QF4"], "tranche", libelles={"toutes": "Toutes"}
    )

filtres, parametres = ["niveau = ?", "code_zone = ?", "annee = ?"], [niveau, zone, annee]
for colonne, valeur, tout in (
    ("instance", instance, "toutes"),
    ("position_seuil", seuil, "tous"),
    ("responsabilite", responsabilite, "toutes"),
    ("tranche_qf", tranche, "toutes"),
):
    if valeur != tout:
        filtres.append(f"{colonne} = ?")
        parametres.append(valeur)
strates = lire(
    f"select instance, position_seuil, responsabilite, tranche_qf, nb_demandes, nb_remises_totales, "
    f"nb_remises_partielles, nb_refus, nb_en_attente, montant_demande_decide, montant_remis, taux_remise, "
    f"est_diffusable from marts.{MART} where {' and '.join(filtres)} "
    f"order by instance, position_seuil, responsabilite, tranche_qf",
    tuple(parametres),
)
strates["instance_lib"] = strates["instance"].map(INSTANCES).fillna(strates["instance"])
strates["seuil_lib"] = strates["position_seuil"].map(SEUILS).fillna(strates["position_seuil"])
strates["responsabilite_lib"] = (
    strates["responsabilite"].map(RESPONSABILITES).fillna(strates["responsabilite"])
)
st.subheader(f"{libelle}, {annee} : par strate")
affiche, masques = c.tableau(
    strates,
    {
        "instance_lib": ("Instance", "texte"),
        "seuil_lib": ("Seuil", "texte"),
        "responsabilite_lib": ("Responsabilité", "texte"),
        "tranche_qf": ("Tranche de QF", "texte"),
        "nb_demandes": ("Demandes", "nombre"),
        "nb_remises_totales": ("Remises totales", "nombre"),
        "nb_remises_partielles": ("Remises partielles", "nombre"),
        "nb_refus": ("Refus", "nombre"),
        "nb_en_attente": ("En attente", "nombre"),
        "montant_demande_decide": ("Montant décidé", "euros"),
        "montant_remis": ("Montant remis", "euros"),
        "taux_remise": ("Taux de remise", "taux"),
    },
    masque=strates["est_diffusable"].fillna(False),
    hauteur=420,
    cle="strates",
)
c.legende_secret()
st.caption(
    "Taux de remise = montant remis / montant visé par les demandes "
    "décidées (les demandes en attente ne comptent pas)."
)
c.telecharger(affiche, masques, f"remises_{zone}_{annee}", [MART])

st.subheader("Écart des taux de remise entre Caf")
dispersion = lire(
    f"select annee, nb_cafs, premier_quartile, mediane, troisieme_quartile, ecart_interquartile, moyenne, "
    f"ecart_type, coefficient_variation from marts.{DISPERSION} order by annee"
)
figure = go.Figure()
graphiques.bande_quartiles(
    figure,
    dispersion["annee"],
    dispersion["premier_quartile"],
    dispersion["troisieme_quartile"],
    "Entre le 1er et le 3e quartile des Caf",
    couleur="rgba(140,140,140,0.3)",
)
figure.add_trace(
    go.Scatter(
        x=dispersion["annee"],
        y=dispersion["mediane"] * 100,
        mode="lines+markers",
        name="Médiane des Caf",
        line={"color": "#1f4e9c", "width": 3},
    )
)
figure.update_layout(
    separators=", ",
    height=380,
    margin={"l": 10, "r": 10, "t": 30, "b": 10},
    yaxis={"title": "Taux de remise", "ticksuffix": " %"},
    xaxis={"title": "Année", "dtick": 1},
    legend={"orientation": "h", "y": -0.2},
)
st.plotly_chart(figure, width="stretch", key="dispersion")
dispersion["annee_lib"] = dispersion["annee"].astype(str)
affiche, masques = c.tableau(
    dispersion.sort_values("annee", ascending=False),
    {
        "annee_lib": ("Année", "texte"),
        "nb_cafs": ("Caf retenues", "nombre"),
        "premier_quartile": ("1er quartile", "taux"),
        "mediane": ("Médiane", "taux"),
        "troisieme_quartile": ("3e quartile", "taux"),
        "ecart_interquartile": ("Écart interquartile", "pt"),
        "coefficient_variation": ("Coefficient de variation", "decimal"),
    },
    cle="dispersion_tableau",
)
st.caption(
    "Une Caf compte une année si elle a décidé au moins autant de demandes que le seuil du secret "
    "statistique ; aucune Caf n'est nommée. Écart interquartile : 3e quartile moins 1er, en points de taux."
)
c.telecharger(affiche, masques, "remises_ecarts_entre_cafs", [DISPERSION])
c.source([MART, DISPERSION], portee)
