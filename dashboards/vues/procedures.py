"""Combien de procédures sont en cours, depuis quand, combien entrent et sortent, et en combien de
temps arrive le premier versement ?

Audience: the Direction de l'Aripa (network animation, workload) and local pilots. Reads
`procedures_actives_mensuel` (stock by type, stage and age), `procedures_entrees_sorties_mensuel`
(entries, exits by closure reason) and `delai_premier_versement_annuel` (days to the first payment).
Totals over types are additive counts re-summed; a masked part shows the total as « secret ».
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboards import composants as c
from dashboards import graphiques
from dashboards.entrepot import lire
from pipelines import format_fr

STOCK, FLUX, DELAI = (
    "procedures_actives_mensuel",
    "procedures_entrees_sorties_mensuel",
    "delai_premier_versement_annuel",
)

portee = c.entete(
    "Procédures",
    "Le stock de procédures actives en fin de mois par type, stade et ancienneté ; les entrées et les "
    "sorties par motif de clôture ; le délai entre l'engagement et le premier versement.",
)
niveau, zone, libelle = c.choix_niveau_zone(
    STOCK, portee, ["caf_gestionnaire", "caf_residence", "departement", "region"]
)
types = ["tous", *[t for t in c.LIBELLES_PROCEDURES if t != "ENSEMBLE"]]
type_ = c.choix(
    "Type de procédure", types, "type", libelles={"tous": "Tous les types", **c.LIBELLES_PROCEDURES}
)
filtre_type = "true" if type_ == "tous" else "code_procedure = ?"
p_type: tuple = () if type_ == "tous" else (type_,)

# Stock by month (types and stages of the selection re-summed).
stock = lire(
    f"select mois, sum(procedures_actives) as procedures_actives, sum(actives_moins_6_mois) as moins_6, "
    f"sum(actives_6_11_mois) as de_6_a_11, sum(actives_12_23_mois) as de_12_a_23, "
    f"sum(actives_24_mois_et_plus) as plus_24, bool_and(est_diffusable) as est_diffusable "
    f"from marts.{STOCK} where niveau = ? and code_zone = ? and {filtre_type} group by mois order by mois",
    (niveau, zone, *p_type),
)
if stock.empty:
    st.info("Aucune procédure publiée pour cette sélection.")
    st.stop()
stock["mois"] = pd.to_datetime(stock["mois"]).dt.date
debut, fin = c.choix_periode(stock["mois"].tolist(), cle="periode", defaut_mois=60)
stock = stock[(stock["mois"] >= debut) & (stock["mois"] <= fin)].assign(libelle_zone=libelle)

st.subheader(f"Stock en fin de mois : {libelle}")
st.plotly_chart(
    graphiques.series(
        stock,
        "procedures_actives",
        "Procédures actives",
        pourcentage=False,
        en_avant=[libelle],
        format_survol=format_fr.nombre,
    ),
    width="stretch",
    key="stock",
)

# The month shown in detail: the last of the period by default.
code_mois = c.choix(
    "Mois détaillé",
    [f"{m:%Y-%m}" for m in sorted(stock["mois"], reverse=True)],
    "mois",
    libelles=lambda m: format_fr.mois(date.fromisoformat(m + "-01")),
)
mois = date.fromisoformat(code_mois + "-01")
detail = lire(
    "select code_procedure, stade, procedures_actives, "
    "actives_moins_6_mois, actives_6_11_mois, actives_12_23_mois, "
    f"actives_24_mois_et_plus, est_diffusable from marts.{STOCK} "
    f"where niveau = ? and code_zone = ? and mois = ? and {filtre_type} order by code_procedure, stade",
    (niveau, zone, mois, *p_type),
)
detail["type"] = detail["code_procedure"].map(c.LIBELLES_PROCEDURES).fillna(detail["code_procedure"])
detail["stade_lib"] = detail["stade"].map(c.LIBELLES_STADES).fillna(detail["stade"])
st.markdown(f"**{format_fr.mois(mois)} : par type, stade et ancienneté**")
affiche, masques = c.tableau(
    detail,
    {
        "type": ("Type de procédure", "texte"),
        "stade_lib": ("Stade", "texte"),
        "procedures_actives": ("Procédures actives", "nombre"),
        "actives_moins_6_mois": ("Moins de 6 mois", "nombre"),
        "actives_6_11_mois": ("6 à 11 mois", "nombre"),
        "actives_12_23_mois": ("12 à 23 mois", "nombre"),
        "actives_24_mois_et_plus": ("24 mois et plus", "nombre"),
    },
    masque=detail["est_diffusable"].fillna(False),
    cle="stock_detail",
)
c.legende_secret()
c.telecharger(affiche, masques, f"procedures_stock_{zone}_{code_mois}", [STOCK])

st.subheader("Entrées et sorties par motif")
flux = lire(
    "select mois, code_procedure, entrees, sorties, sorties_solde, "
    "sorties_defail, sorties_susp, sorties_prp, "
    f"sorties_insolv, sorties_reprise, sorties_autre, part_sorties_soldees, est_diffusable from marts.{FLUX} "
    "where niveau = ? and code_zone = ? and mois between ? and ? and "
    f"{filtre_type} order by mois desc, code_procedure",
    (niveau, zone, debut, fin, *p_type),
)
flux["type"] = flux["code_procedure"].map(c.LIBELLES_PROCEDURES).fillna(flux["code_procedure"])
flux["mois_lib"] = [format_fr.mois_court(pd.Timestamp(m).date()) for m in flux["mois"]]
affiche, masques = c.tableau(
    flux,
    {
        "mois_lib": ("Mois", "texte"),
        "type": ("Type de procédure", "texte"),
        "entrees": ("Entrées", "nombre"),
        "sorties": ("Sorties", "nombre"),
        "sorties_solde": ("dont soldées", "nombre"),
        "sorties_defail": ("dont 4e défaillance", "nombre"),
        "sorties_susp": ("dont suspension", "nombre"),
        "sorties_prp": ("dont PRP insuffisant", "nombre"),
        "sorties_insolv": ("dont insolvabilité", "nombre"),
        "sorties_reprise": ("dont reprise du paiement", "nombre"),
        "sorties_autre": ("dont autre motif", "nombre"),
        "part_sorties_soldees": ("Part des sorties soldées", "taux"),
    },
    masque=flux["est_diffusable"].fillna(False),
    hauteur=360,
    cle="flux",
)
c.telecharger(affiche, masques, f"procedures_entrees_sorties_{zone}", [FLUX])

st.subheader("Délai entre l'engagement et le premier versement")
delai = lire(
    "select annee_engagement, code_procedure, nb_engagees, "
    "nb_avec_versement, delai_median_jours, delai_p90_jours, "
    f"est_diffusable from marts.{DELAI} where niveau = ? and code_zone = ? and {filtre_type} "
    f"order by annee_engagement desc, code_procedure",
    (niveau, zone, *p_type),
)
delai["type"] = delai["code_procedure"].map(c.LIBELLES_PROCEDURES).fillna(delai["code_procedure"])
delai["annee"] = delai["annee_engagement"].astype(str)
affiche, masques = c.tableau(
    delai,
    {
        "annee": ("Année d'engagement", "texte"),
        "type": ("Type de procédure", "texte"),
        "nb_engagees": ("Procédures engagées", "nombre"),
        "nb_avec_versement": ("dont payées", "nombre"),
        "delai_median_jours": ("Délai médian", "jours"),
        "delai_p90_jours": ("Délai du 9e décile", "jours"),
    },
    masque=delai["est_diffusable"].fillna(False),
    hauteur=300,
    cle="delai",
)
c.telecharger(affiche, masques, f"delai_premier_versement_{zone}", [DELAI])
c.source([STOCK, FLUX, DELAI], portee)
