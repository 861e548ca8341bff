"""Qu'a changé l'expérimentation GIPA, isolée de la tendance générale ?

Audience: the national pilot committee of the GIPA experiment (and the Direction). Reads the
results `aripa evaluate` wrote to the warehouse schema `evaluation` (`gipa_resultats`,
`gipa_etude_evenement`, `gipa_execution`), the treated vs control series and the difference by
département (dbt marts `evaluation_series_gipa_mensuel`, `evaluation_ecart_departements_gipa`):
nothing is estimated here. Says when they were computed, refuses them when the published panel is
not the one they were computed on (a later `aripa build` rebuilt it), and warns when the pre-trend
or the placebo test rejects. Outside a local pilot's scope (départements, not one Caf).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import composants as c
from dashboards import graphiques
from dashboards.entrepot import lire, portee_lecteur, version_publiee
from pipelines import format_fr
from pipelines.evaluation.executer import METHODES, PRINCIPALE, SCHEMA
from pipelines.evaluation.panel import GROUPES_TEMOINS, TABLE_EMPREINTE_PUBLIEE

st.title("Évaluation de l'expérimentation GIPA")
st.caption(
    "Effet des mesures de la garantie contre les impayés de pensions alimentaires dans les 20 départements "
    "expérimentaux (octobre 2014 – mars 2016), comparés à des départements témoins sur la même période "
    "(protocole, art. 7.B). Résultats écrits par `aripa evaluate`."
)

if portee_lecteur().type == "caf":
    st.info(
        "L'évaluation compare des départements entiers (20 expérimentaux et leurs témoins) : elle est hors "
        "de votre portée de pilote local d'une Caf, et n'est pas dans votre fichier publié. Le comité de "
        "pilotage et la Direction la consultent."
    )
    st.stop()
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
code = c.choix("Résultat", list(libelles), "resultat", libelles=libelles)
groupe = c.choix("Groupe témoin", list(GROUPES_TEMOINS), "groupe", libelles=GROUPES_TEMOINS, horizontal=True)
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
# The tests that can undo the reading: a rejection is shown, never hidden in the table.
for methode, quoi in (
    ("etude_evenement_pre_tendance", "le test des tendances avant le début (pré-tendances)"),
    ("placebo_debut_fictif", "le placebo (début fictif 12 mois plus tôt)"),
):
    test = choix[choix["methode"] == methode]
    if len(test) and pd.notna(test["p_valeur"].iloc[0]) and test["p_valeur"].iloc[0] < 0.05:
        st.warning(
            f"Attention : {quoi} rejette l'hypothèse d'absence d'écart (p = "
            f"{format_fr.nombre(test['p_valeur'].iloc[0], decimales=3)} < 0,05). Les écarts entre traités et "
            "témoins ne viennent peut-être pas de l'expérimentation : l'effet "
            "estimé est à lire avec prudence."
        )


def lecture() -> str:
    """The main estimate in plain French (its CI decides the wording, never a recomputed figure)."""
    effet, bas, haut = principal["estimation"], principal["ic95_bas"], principal["ic95_haut"]
    if pd.isna(effet):
        return "La lecture principale n'a pas pu être calculée (voir l'avertissement du tableau)."
    sens = "plus" if effet > 0 else "moins"
    ampleur = valeur(abs(effet)).lstrip("+")  # the direction is said in words
    texte = (
        f"Dans les départements expérimentaux, « {libelles[code].lower()} » a évolué de {ampleur} "
        f"de {sens} que dans les départements témoins ({GROUPES_TEMOINS[groupe].lower()}), "
        f"entre l'avant et l'après le début de l'expérimentation (unité : {unite}). "
    )
    if pd.notna(bas) and pd.notna(haut) and (bas > 0 or haut < 0):
        return texte + (
            f"L'intervalle de confiance à 95 % ({format_fr.intervalle(bas, haut, unite)}) exclut zéro : "
            "l'écart est établi à ce seuil."
        )
    return texte + (
        f"L'intervalle de confiance à 95 % ({format_fr.intervalle(bas, haut, unite)}) contient zéro : on ne "
        "peut pas conclure à un effet."
    )


st.info(lecture())
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

st.subheader("Traités et témoins, mois par mois : taux de recouvrement du TC")
if "evaluation_series_gipa_mensuel" in c.tables_publiees():
    series = lire(
        "select groupe_gipa, mois, taux_recouvrement_tc, nb_departements_publies, nb_departements_masques "
        "from marts.evaluation_series_gipa_mensuel order by mois"
    )
    series["mois"] = pd.to_datetime(series["mois"]).dt.date
    noms = {
        "experimental": "Départements expérimentaux",
        "non_experimental": "Départements non expérimentaux",
    }
    series["libelle_zone"] = series["groupe_gipa"].map(noms)
    series["est_diffusable"] = series["taux_recouvrement_tc"].notna()
    # By default the experiment's window with its pre-period, to the generalisation's year.
    debut, fin = c.choix_periode(
        sorted(series["mois"].unique()), cle="periode", defaut=(date(2012, 1, 1), date(2016, 12, 1))
    )
    series = series[(series["mois"] >= debut) & (series["mois"] <= fin)]
    st.plotly_chart(
        graphiques.series(
            series,
            "taux_recouvrement_tc",
            "Taux de recouvrement du TC",
            en_avant=list(noms.values()),
            format_survol=format_fr.pourcentage,
        ),
        width="stretch",
        key="series",
    )
    st.caption(
        "Somme du TC encaissé / somme du TC attendu des départements de chaque "
        "groupe dont la cellule du mois "
        "est publiée (les départements masqués par le secret statistique ne "
        "sont pas sommés ; leur nombre est "
        "dans le téléchargement). Une description : l'effet et son incertitude "
        "sont ceux du tableau ci-dessus."
    )
    tableau_series = series[
        ["libelle_zone", "mois", "taux_recouvrement_tc", "nb_departements_publies", "nb_departements_masques"]
    ]
    tableau_series = tableau_series.rename(
        columns={
            "libelle_zone": "Groupe",
            "mois": "Mois",
            "taux_recouvrement_tc": "Taux de recouvrement du TC",
            "nb_departements_publies": "Départements sommés",
            "nb_departements_masques": "Départements masqués",
        }
    )
    c.telecharger(
        tableau_series.reset_index(drop=True),
        pd.Series(False, index=range(len(tableau_series))),
        "gipa_series_traites_temoins",
        ["evaluation_series_gipa_mensuel"],
    )

st.subheader("Écart par département expérimental")
if "evaluation_ecart_departements_gipa" in c.tables_publiees():
    ecarts = lire(
        "select * from marts.evaluation_ecart_departements_gipa order by ecart_double_difference desc"
    )
    figure_dep = go.Figure(
        go.Bar(
            x=ecarts["ecart_double_difference"] * 100,
            y=ecarts["nom_departement"],
            orientation="h",
            marker={
                "color": [
                    "#2b8a3e" if v > 0 else "#d9480f" for v in ecarts["ecart_double_difference"].fillna(0)
                ]
            },
            hovertemplate="%{y} : %{x:.1f} pt<extra></extra>",
        )
    )
    figure_dep.update_layout(
        separators=", ",
        height=max(360, 22 * len(ecarts) + 60),
        margin={"l": 10, "r": 10, "t": 20, "b": 10},
        xaxis={"title": "écart de doubles différences (points de taux)", "ticksuffix": " pt"},
        yaxis={"automargin": True, "autorange": "reversed"},
    )
    st.plotly_chart(figure_dep, width="stretch", key="departements")
    affiche, masques = c.tableau(
        ecarts,
        {
            "nom_departement": ("Département", "texte"),
            "taux_avant": ("Avant (12 mois)", "taux"),
            "taux_apres": ("Après (jusqu'en mars 2016)", "taux"),
            "taux_temoins_avant": ("Témoins avant", "taux"),
            "taux_temoins_apres": ("Témoins après", "taux"),
            "ecart_double_difference": ("Écart (points)", "points"),
            "nb_mois_avant": ("Mois avant", "nombre"),
            "nb_mois_apres": ("Mois après", "nombre"),
        },
        cle="ecarts",
    )
    st.caption(
        "(après - avant) du département moins (après - avant) des départements non expérimentaux, sans "
        "intervalle de confiance : une description par département, pas une "
        "estimation ; sur 20 départements, "
        "des écarts de quelques points peuvent venir du hasard."
    )
    c.telecharger(affiche, masques, "gipa_ecart_departements", ["evaluation_ecart_departements_gipa"])
