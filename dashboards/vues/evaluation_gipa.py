"""Qu'a changé l'expérimentation GIPA, isolée de la tendance générale ?

Audience: the national pilot committee of the GIPA experiment. Reads the results `aripa evaluate`
wrote to the warehouse schema `evaluation` (`gipa_resultats`, `gipa_etude_evenement`,
`gipa_execution`): nothing is estimated here. Says when they were computed, and refuses them when
the published panel is not the one they were computed on (a later `aripa build` rebuilt it).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards.entrepot import lire, version_publiee
from pipelines import format_fr
from pipelines.evaluation.executer import METHODES, PRINCIPALE, SCHEMA
from pipelines.evaluation.panel import GROUPES_TEMOINS, TABLE_EMPREINTE_PUBLIEE

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
    execution = lire(f"select * from {SCHEMA}.gipa_execution")
    resultats = lire(f"select * from {SCHEMA}.gipa_resultats")
    etude = lire(f"select * from {SCHEMA}.gipa_etude_evenement")
except Exception:  # the tables exist once `aripa evaluate` has run
    st.info("L'évaluation n'a pas encore été calculée : lancez `aripa evaluate`.")
    st.stop()

calcul = execution.iloc[0]
quand = pd.Timestamp(calcul["calcule_le_utc"])
try:  # the fingerprint of the panel published with this build (pipelines/publication.py)
    publie = lire(f"select empreinte_panel from {TABLE_EMPREINTE_PUBLIEE}")["empreinte_panel"].iloc[0]
except Exception:  # no panel published beside the results: nothing to check them against
    publie = None
if publie != calcul["empreinte_panel"]:
    st.error(
        f"Résultats périmés : calculés le {quand:%d/%m/%Y à %H:%M} UTC sur un panel qui n'est plus celui "
        "publié (les indicateurs ont été reconstruits depuis). Relancez `aripa evaluate` : aucun résultat "
        "n'est montré d'ici là."
    )
    st.stop()
st.caption(
    f"Calculé le {quand:%d/%m/%Y à %H:%M} UTC sur le panel publié "
    f"({format_fr.nombre(int(calcul['nb_lignes_panel']))} lignes département x mois, empreinte "
    f"{calcul['empreinte_panel'][:12]})."
)

libelles = dict(zip(resultats["resultat"], resultats["libelle_resultat"], strict=False))
code = st.selectbox("Résultat", list(libelles), format_func=libelles.get)
groupe = st.radio("Groupe témoin", list(GROUPES_TEMOINS), format_func=GROUPES_TEMOINS.get, horizontal=True)
choix = resultats[(resultats["resultat"] == code) & (resultats["groupe_temoin"] == groupe)]
principal = choix[choix["methode"] == PRINCIPALE].iloc[0]
unite = principal["unite"]


def valeur(x: float) -> str:
    return format_fr.effet(x, unite)


c1, c2, c3, c4 = st.columns(4)
c1.metric("Effet estimé", valeur(principal["estimation"]), help=f"Unité : {unite}")
c2.metric(
    "Intervalle de confiance à 95 %",
    format_fr.intervalle(principal["ic95_bas"], principal["ic95_haut"], unite),
)
c3.metric("p-valeur (randomisation)", format_fr.nombre(principal["p_valeur"], decimales=3))
c4.metric(
    "Effet minimal détectable",
    valeur(principal["effet_minimum_detectable_80"]),
    help="Plus petit effet que ce plan détecte 8 fois sur 10 au seuil de 5 % (puissance 80 %).",
)
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
            format_fr.intervalle(b, h, unite)
            for b, h in zip(choix["ic95_bas"], choix["ic95_haut"], strict=True)
        ],
        "p-valeur": [format_fr.nombre(p, decimales=3) for p in choix["p_valeur"]],
        "Inférence": choix["inference"],
        "Avertissement": choix["avertissement"],
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
    xaxis={"title": "mois depuis le début de l'expérimentation dans chaque département (0 : premier mois)"},
    yaxis={"title": unite},
)
st.subheader("Étude d'événement : avant et après le début")
st.plotly_chart(figure, width="stretch")
st.caption("Avant 0, les écarts doivent être nuls (tendances parallèles) ; la référence est le mois -1.")
