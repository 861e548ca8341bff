"""Où en est ma Caf face au niveau national et aux Caf comparables ?

Audience: the local pilot of one Caf (scope caf:CODE), the only scope with this page. Reads the
published file of that scope: the Caf's own rows and the national ones of
`taux_recouvrement_flux_mensuel` and `comparaison_cafs_standardisee_annuelle`, and
`comparaison_reseau_cafs_annuelle` (the Caf's TC rate against the network's quartiles and the rate
of the comparable Cafs, same size class, never named). No other Caf's rows are in that file.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import composants as c
from dashboards import graphiques
from dashboards.entrepot import lire
from pipelines import format_fr

FLUX, RESEAU, EQUITABLE = (
    "taux_recouvrement_flux_mensuel",
    "comparaison_reseau_cafs_annuelle",
    "comparaison_cafs_standardisee_annuelle",
)

portee = c.entete(
    "Ma Caf",
    "Votre Caf face à la France entière et aux Caf comparables (même classe de taille, jamais nommées) : "
    "taux de recouvrement du terme courant, mois par mois et année par année.",
)
if portee.type != "caf":
    st.info(
        "Cette page est celle des pilotes locaux : votre portée couvre "
        "plusieurs Caf (voir « Comparer les Caf »)."
    )
    st.stop()
c.zone_hors_portee("zone", {portee.code_caf: portee.code_caf}, portee)
niveaux = lire(f"select distinct niveau from marts.{FLUX} where niveau <> 'national' order by niveau")[
    "niveau"
].tolist()
if not niveaux:
    st.info("Aucune ligne de votre Caf n'est publiée.")
    st.stop()
niveau = c.choix(
    "Compter les procédures par",
    niveaux,
    "niveau",
    libelles=c.LIBELLES_NIVEAUX,
    horizontal=True,
    defaut="caf_gestionnaire" if "caf_gestionnaire" in niveaux else niveaux[0],
)
flux = lire(
    f"select niveau, code_zone, libelle_zone, mois, taux_recouvrement_tc, est_diffusable from marts.{FLUX} "
    f"where niveau in ('national', ?) and code_procedure = 'ENSEMBLE' order by mois",
    (niveau,),
)
flux["mois"] = pd.to_datetime(flux["mois"]).dt.date
nom = flux.loc[flux["niveau"] == niveau, "libelle_zone"].iloc[0]
debut, fin = c.choix_periode(sorted(flux["mois"].unique()), cle="periode", defaut_mois=36)
flux = flux[(flux["mois"] >= debut) & (flux["mois"] <= fin)]
st.subheader(f"{nom} et la France entière, mois par mois")
st.plotly_chart(
    graphiques.series(
        flux,
        "taux_recouvrement_tc",
        "Taux de recouvrement du TC",
        en_avant=[nom, "France entière"],
        format_survol=format_fr.pourcentage,
    ),
    width="stretch",
    key="mensuel",
)

st.subheader("Année par année, face au réseau et aux Caf comparables")
reseau = lire(
    "select annee, classe_taille, taux_recouvrement_tc, "
    "nb_cafs_comparables, taux_recouvrement_tc_comparables, "
    f"nb_cafs_reseau, reseau_premier_quartile, reseau_mediane, reseau_troisieme_quartile, est_diffusable "
    f"from marts.{RESEAU} order by annee"
)
if reseau.empty:
    st.info("La comparaison avec le réseau n'est pas publiée pour votre Caf.")
else:
    figure = go.Figure()
    graphiques.bande_quartiles(
        figure,
        reseau["annee"],
        reseau["reseau_premier_quartile"],
        reseau["reseau_troisieme_quartile"],
        "Réseau : du 1er au 3e quartile des Caf",
    )
    figure.add_trace(
        go.Scatter(
            x=reseau["annee"],
            y=reseau["taux_recouvrement_tc_comparables"] * 100,
            mode="lines+markers",
            name="Caf comparables (même taille)",
            line={"color": "#868e96", "dash": "dash"},
        )
    )
    visibles = reseau["taux_recouvrement_tc"].where(reseau["est_diffusable"].fillna(False).astype(bool))
    figure.add_trace(
        go.Scatter(
            x=reseau["annee"],
            y=visibles * 100,
            mode="lines+markers",
            name=nom,
            line={"color": graphiques.COULEURS[0], "width": 3},
        )
    )
    figure.update_layout(
        separators=", ",
        height=400,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"title": "Taux de recouvrement du TC", "ticksuffix": " %"},
        xaxis={"title": "Année", "dtick": 1},
        legend={"orientation": "h", "y": -0.2},
    )
    st.plotly_chart(figure, width="stretch", key="reseau")
    reseau["annee_lib"] = reseau["annee"].astype(str)
    affiche, masques = c.tableau(
        reseau.sort_values("annee", ascending=False),
        {
            "annee_lib": ("Année", "texte"),
            "taux_recouvrement_tc": ("Ma Caf", "taux"),
            "taux_recouvrement_tc_comparables": ("Caf comparables", "taux"),
            "nb_cafs_comparables": ("Nombre de Caf comparables", "nombre"),
            "reseau_premier_quartile": ("Réseau : 1er quartile", "taux"),
            "reseau_mediane": ("Réseau : médiane", "taux"),
            "reseau_troisieme_quartile": ("Réseau : 3e quartile", "taux"),
        },
        masque=reseau.sort_values("annee", ascending=False)["est_diffusable"].fillna(False),
        cle="reseau_tableau",
    )
    c.telecharger(affiche, masques, f"ma_caf_{portee.code_caf}_reseau", [RESEAU])

st.subheader("Comparaison équitable : observé / attendu pour la structure de votre fichier")
equitable = lire(
    f"select annee, taux_observe, taux_attendu, ratio_observe_attendu, ratio_ic95_bas, ratio_ic95_haut, "
    f"position_ic95, est_diffusable from marts.{EQUITABLE} where niveau = ? order by annee desc",
    (niveau,),
)
equitable["annee_lib"] = equitable["annee"].astype(str)
equitable["ecart"] = equitable["position_ic95"].map(
    {
        "au_dessus": "au-dessus de l'attendu",
        "en_dessous": "en dessous de l'attendu",
        "dans_l_intervalle": "pas d'écart établi",
    }
)
affiche, masques = c.tableau(
    equitable,
    {
        "annee_lib": ("Année", "texte"),
        "taux_observe": ("Taux observé", "taux"),
        "taux_attendu": ("Taux attendu", "taux"),
        "ratio_observe_attendu": ("Observé / attendu", "decimal"),
        "ratio_ic95_bas": ("IC 95 % bas", "decimal"),
        "ratio_ic95_haut": ("IC 95 % haut", "decimal"),
        "ecart": ("Écart", "texte"),
    },
    masque=equitable["est_diffusable"].fillna(False),
    cle="equitable",
)
c.legende_secret()
c.telecharger(affiche, masques, f"ma_caf_{portee.code_caf}_equitable", [EQUITABLE])
c.source([FLUX, RESEAU, EQUITABLE], portee)
