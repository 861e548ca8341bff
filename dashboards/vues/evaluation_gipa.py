"""Qu'a changé l'expérimentation GIPA, isolée de la tendance générale ?

Audience: the national pilot committee of the GIPA experiment. Reads the results `aripa evaluate`
wrote to the warehouse (`marts.evaluation_gipa_resultats`, `marts.evaluation_gipa_etude_evenement`):
nothing is estimated here.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards.entrepot import lire, version_publiee
from pipelines import format_fr
from pipelines.evaluation.panel import GROUPES_TEMOINS

METHODES = {
    "twfe": "Doubles différences (effets fixes département et mois)",
    "twfe_randomisation": "Doubles différences, inférence par randomisation",
    "did2s": "Doubles différences en deux étapes (Gardner)",
    "placebo_debut_fictif": "Placebo : faux début un an plus tôt",
    "etude_evenement_pre_tendance": "Test de tendances parallèles avant le début",
}

st.title("Évaluation de l'expérimentation GIPA")
st.caption(
    "Effet des mesures de la garantie contre les impayés de pensions alimentaires dans les 20 départements "
    "expérimentaux (octobre 2014 – mars 2016), comparés à des départements témoins sur la même période "
    "(protocole, art. 7.B). Résultats écrits par `aripa evaluate`."
)

if version_publiee() is None:
    st.warning("Aucune donnée publiée pour l'instant : lancez `aripa demo` ou `aripa build`.")
    st.stop()
try:
    resultats = lire("select * from marts.evaluation_gipa_resultats")
    etude = lire("select * from marts.evaluation_gipa_etude_evenement")
except Exception:  # the tables exist once `aripa evaluate` has run
    st.info("L'évaluation n'a pas encore été calculée : lancez `aripa evaluate`.")
    st.stop()

libelles = dict(zip(resultats["resultat"], resultats["libelle_resultat"], strict=False))
code = st.selectbox("Résultat", list(libelles), format_func=libelles.get)
groupe = st.radio("Groupe témoin", list(GROUPES_TEMOINS), format_func=GROUPES_TEMOINS.get, horizontal=True)
choix = resultats[(resultats["resultat"] == code) & (resultats["groupe_temoin"] == groupe)]
principal = choix[choix["methode"] == "twfe_randomisation"].iloc[0]
unite = principal["unite"]


def valeur(x: float) -> str:
    return format_fr.effet(x, unite)


c1, c2, c3 = st.columns(3)
c1.metric("Effet estimé", valeur(principal["estimation"]), help=f"Unité : {unite}")
c2.metric(
    "Intervalle de confiance à 95 %", f"{valeur(principal['ic95_bas'])} ; {valeur(principal['ic95_haut'])}"
)
c3.metric("p-valeur (randomisation)", format_fr.nombre(principal["p_valeur"], decimales=3))
st.caption(
    f"{int(principal['nb_departements_traites'])} départements traités, "
    f"{int(principal['nb_departements_temoins'])} témoins, {int(principal['nb_mois'])} mois ; "
    f"{principal['notes']}."
)

tableau = pd.DataFrame(
    {
        "Méthode": [METHODES.get(m, m) for m in choix["methode"]],
        "Estimation": [valeur(x) if pd.notna(x) else format_fr.VIDE for x in choix["estimation"]],
        "IC 95 %": [
            f"{valeur(b)} ; {valeur(h)}" if pd.notna(b) else format_fr.VIDE
            for b, h in zip(choix["ic95_bas"], choix["ic95_haut"], strict=True)
        ],
        "p-valeur": [format_fr.nombre(p, decimales=3) for p in choix["p_valeur"]],
        "Inférence": choix["inference"],
    }
)
st.dataframe(tableau, hide_index=True, width="stretch")

e = etude[(etude["resultat"] == code) & (etude["groupe_temoin"] == groupe)].sort_values("relatif")
echelle = 100 if unite == "points de taux" else 1  # a rate's effect drawn in points
e = e.assign(**{c: e[c] * echelle for c in ("estimation", "ic_bas", "ic_haut")})
figure = go.Figure(
    go.Scatter(
        x=e["relatif"],
        y=e["estimation"],
        mode="markers",
        error_y={
            "type": "data",
            "symmetric": False,
            "array": e["ic_haut"] - e["estimation"],
            "arrayminus": e["estimation"] - e["ic_bas"],
        },
        name="écart traités - témoins",
    )
)
figure.add_hline(y=0, line_color="grey")
figure.add_vline(x=-0.5, line_dash="dash", line_color="grey")
figure.update_layout(
    separators=", ",
    height=420,
    margin={"l": 10, "r": 10, "t": 30, "b": 10},
    xaxis={"title": "mois depuis le début de l'expérimentation (octobre 2014 = 0)"},
    yaxis={"title": unite},
)
st.subheader("Étude d'événement : avant et après le début")
st.plotly_chart(figure, width="stretch")
st.caption("Avant 0, les écarts doivent être nuls (tendances parallèles) ; la référence est le mois -1.")
