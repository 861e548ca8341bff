"""Quelles Caf recouvrent plus, ou moins, que ne le laisse attendre la structure de leur fichier ?

Audience: the Direction de l'Aripa (every Caf, pivots and participantes, by Caf gestionnaire or de
résidence) and the pilot committee (départements and regions). Reads
`marts.comparaison_cafs_standardisee_annuelle`: the raw TC rate, and the case-mix-adjusted reading
(observed / expected at national stratum rates, with its 95 % CI and the mart's outlier flag).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import composants as c
from dashboards import graphiques
from dashboards.entrepot import lire
from pipelines import format_fr

MART = "comparaison_cafs_standardisee_annuelle"
POSITIONS = {
    "au_dessus": "au-dessus de l'attendu",
    "en_dessous": "en dessous de l'attendu",
    "dans_l_intervalle": "pas d'écart établi",
}

portee = c.entete(
    "Comparer les Caf",
    "Chaque Caf (pivots et participantes), département ou région, sur le taux brut du terme courant et "
    "sur le taux ajusté de la structure de son fichier (observé / attendu, avec son intervalle de "
    "confiance à 95 %), classés ; les zones dont l'intervalle exclut 1 sont signalées.",
)
niveaux = c.niveaux_de_la_portee(portee, ["caf_gestionnaire", "caf_residence", "departement", "region"])
niveau = c.choix(
    "Zones comparées",
    niveaux,
    "niveau",
    libelles=c.LIBELLES_NIVEAUX,
    horizontal=True,
    aide="Une Caf peut gérer des dossiers d'une autre Caf (plateaux de jumelage) : choisissez la lecture.",
)
annees = lire(f"select distinct annee from marts.{MART} where niveau = ? order by annee", (niveau,))["annee"]
annee = c.choix_annee(list(annees), cle="annee")


# The reading, the table, the ranking and the tile grid: a fragment, so changing the reading (or
# the Caf role) reruns, and sends to the browser, this section only, not the header and filters above.
@st.fragment
def section_lecture() -> None:
    lecture = c.choix(
        "Lecture",
        ["ajuste", "brut"],
        "lecture",
        libelles={"ajuste": "Ajustée (observé / attendu)", "brut": "Brute (taux observé)"},
        horizontal=True,
    )

    donnees = lire(
        f"select code_zone, libelle_zone, taux_observe, taux_attendu, ratio_observe_attendu, "
        f"ratio_ic95_bas, ratio_ic95_haut, position_ic95, montant_encaisse_tc, montant_attendu_tc, "
        f"nb_debiteurs, est_diffusable "
        f"from marts.{MART} where niveau = ? and annee = ?",
        (niveau, annee),
    )
    national = lire(
        f"select taux_observe from marts.{MART} where niveau = 'national' and annee = ?", (annee,)
    )
    if donnees.empty:
        st.info("Aucune zone publiée pour cette année.")
        return
    if niveau.startswith("caf"):
        roles = lire("select code_caf, role from marts.dim_cafs")
        donnees = donnees.merge(roles, left_on="code_zone", right_on="code_caf", how="left")
        donnees["role"] = (
            donnees["role"].map({"pivot": "pivot", "participante": "participante"}).fillna("MSA")
        )
        filtre_role = c.choix(
            "Caf",
            ["toutes", "pivot", "participante"],
            "role",
            libelles={
                "toutes": "Toutes",
                "pivot": "Caf pivots (et MSA)",
                "participante": "Caf participantes",
            },
            horizontal=True,
        )
        if filtre_role == "pivot":
            donnees = donnees[donnees["role"] != "participante"]
        elif filtre_role == "participante":
            donnees = donnees[donnees["role"] == "participante"]

    valeur = "ratio_observe_attendu" if lecture == "ajuste" else "taux_observe"
    donnees["diffusable"] = donnees["est_diffusable"].fillna(False).astype(bool)
    # Ranked on the chosen reading; masked zones are kept, last, without a rank.
    donnees = donnees.sort_values(["diffusable", valeur], ascending=[False, False], na_position="last")
    donnees["rang"] = range(1, len(donnees) + 1)
    donnees["rang"] = donnees["rang"].where(donnees["diffusable"] & donnees[valeur].notna())
    donnees["atypique"] = donnees["position_ic95"].map(POSITIONS)

    if not national.empty and pd.notna(national["taux_observe"].iloc[0]):
        st.caption(
            f"France entière {annee} : taux observé du TC "
            f"{format_fr.pourcentage(national['taux_observe'].iloc[0])} "
            "(ratio observé / attendu de 1 par construction)."
        )
    signalees = donnees[donnees["position_ic95"].isin(["au_dessus", "en_dessous"]) & donnees["diffusable"]]
    if len(signalees):
        st.warning(
            f"{len(signalees)} zone(s) atypique(s) en {annee} (intervalle de confiance excluant 1) : "
            + ", ".join(
                f"{n} ({POSITIONS[p]})"
                for n, p in zip(signalees["libelle_zone"], signalees["position_ic95"], strict=True)
            )
        )

    colonnes = {
        "rang": ("Rang", "nombre"),
        "libelle_zone": (c.LIBELLES_NIVEAUX[niveau], "texte"),
        **({"role": ("Rôle", "texte")} if "role" in donnees else {}),
        "taux_observe": ("Taux observé", "taux"),
        "taux_attendu": ("Taux attendu", "taux"),
        "ratio_observe_attendu": ("Observé / attendu", "decimal"),
        "ratio_ic95_bas": ("IC 95 % bas", "decimal"),
        "ratio_ic95_haut": ("IC 95 % haut", "decimal"),
        "atypique": ("Écart", "texte"),
        "nb_debiteurs": ("Débiteurs", "nombre"),
    }
    affiche, masques = c.tableau(donnees, colonnes, masque=donnees["diffusable"], hauteur=420, cle="tableau")
    c.legende_secret()
    c.telecharger(affiche, masques, f"comparaison_{niveau}_{annee}", [MART])

    # The ranked chart: the ratio with its CI (1 = as expected), or the raw rate.
    visibles = donnees[donnees["diffusable"] & donnees[valeur].notna()].iloc[::-1]
    figure = go.Figure(
        go.Scatter(
            x=visibles[valeur] * (1 if lecture == "ajuste" else 100),
            y=visibles["libelle_zone"],
            mode="markers",
            marker={
                "color": [
                    "#d9480f" if p in ("au_dessus", "en_dessous") else "#1f4e9c"
                    for p in visibles["position_ic95"]
                ]
            },
            error_x=(
                {
                    "type": "data",
                    "color": "#868e96",
                    "thickness": 1,
                    "symmetric": False,
                    "array": visibles["ratio_ic95_haut"] - visibles[valeur],
                    "arrayminus": visibles[valeur] - visibles["ratio_ic95_bas"],
                }
                if lecture == "ajuste"
                else None
            ),
            hovertemplate="%{y} : %{x:.2f}<extra></extra>",
        )
    )
    if lecture == "ajuste":
        figure.add_vline(x=1, line_color="grey", line_dash="dash")
    figure.update_layout(
        separators=", ",
        height=max(360, 16 * len(visibles) + 80),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={
            "title": "observé / attendu" if lecture == "ajuste" else "taux observé du TC",
            "ticksuffix": "" if lecture == "ajuste" else " %",
        },
        yaxis={"automargin": True, "tickfont": {"size": 10}},
    )
    st.subheader("Classement")
    st.plotly_chart(figure, width="stretch", key="classement")

    if niveau == "departement":
        st.subheader("Carte en tuiles des départements")
        st.plotly_chart(
            graphiques.grille_departements(
                donnees,
                valeur,
                "Observé / attendu" if lecture == "ajuste" else "Taux observé",
                pourcentage=lecture == "brut",
                format_survol=(lambda v: format_fr.nombre(v, 2))
                if lecture == "ajuste"
                else format_fr.pourcentage,
            ),
            width="stretch",
            key="tuiles",
        )

    # Drill-down: a zone, month by month.
    zones = dict(zip(donnees["code_zone"], donnees["libelle_zone"], strict=True))
    detail = st.selectbox(
        "Voir une zone mois par mois",
        sorted(zones, key=zones.get),
        format_func=zones.get,
        key="detail",
        index=None,
        placeholder="Choisir une zone",
    )
    if detail:
        st.page_link(
            "vues/taux_recouvrement.py",
            label=f"{zones[detail]} : le taux mois par mois",
            icon="📈",
            query_params={"niveau": niveau, "zone": detail},
        )


section_lecture()
c.source([MART, "dim_cafs"], portee)
