"""The GIPA evaluation's current estimates, as `aripa evaluate` published them, and their reading.

Read from the published `evaluation` schema (national and committee scopes only); nothing is
estimated here. Like the dashboard, the report refuses results computed on another panel than the
one published (a later build rebuilt it): they are reported as out of date, never shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from pipelines import format_fr
from pipelines.evaluation.executer import METHODES, PRINCIPALE
from pipelines.evaluation.panel import GROUPES_TEMOINS, TABLE_EMPREINTE_PUBLIEE

SEUIL = 0.05  # a test "rejects" at 5 %, the level every p-value of the results table is read at
PERIODE_EXPERIMENTATION = "octobre 2014 – mars 2016"


@dataclass
class Estimation:
    resultat: str
    libelle: str
    unite: str
    groupe: str
    libelle_groupe: str
    effet: str
    intervalle: str
    p_valeur: str
    effet_minimal: str
    nb_traites: int
    nb_temoins: int
    lecture: list[str]  # plain-French sentences: the estimate, then each test
    alertes: list[str]  # the tests that reject, or a warning of the estimator


@dataclass
class EtatEvaluation:
    disponible: bool
    message: str  # why nothing is shown, or when the results were computed
    estimations: list[Estimation] = field(default_factory=list)
    etude_evenement: pd.DataFrame | None = None
    methodes: pd.DataFrame | None = None  # every method of the TC rate, all controls


def _p(x: float) -> str:
    return format_fr.VIDE if pd.isna(x) else format_fr.nombre(x, decimales=3)


def lecture(principal: pd.Series, tests: dict[str, pd.Series]) -> tuple[list[str], list[str]]:
    """What the estimate means, in plain French, and which test rejects."""
    unite = principal["unite"]
    libelle = principal["libelle_resultat"][0].lower() + principal["libelle_resultat"][1:]
    effet = format_fr.effet(principal["estimation"], unite)
    ic = format_fr.intervalle(principal["ic95_bas"], principal["ic95_haut"], unite)
    phrases, alertes = [], []
    if pd.isna(principal["estimation"]):
        return ["Aucune estimation n'a pu être calculée pour ce résultat."], []
    exclut_zero = principal["ic95_bas"] > 0 or principal["ic95_haut"] < 0
    if exclut_zero:
        sens = "augmenté" if principal["estimation"] > 0 else "diminué"
        phrases.append(
            f"Dans les départements expérimentaux, {libelle} a {sens} de {effet.lstrip('+-')} de plus "
            f"que dans les départements témoins sur la période de l'expérimentation "
            f"({PERIODE_EXPERIMENTATION}). L'intervalle de confiance à 95 % [{ic}] exclut zéro : "
            f"un tel écart se produirait rarement par le seul hasard (p = {_p(principal['p_valeur'])})."
        )
    else:
        phrases.append(
            f"L'écart estimé entre départements expérimentaux et témoins ({effet}, intervalle de "
            f"confiance à 95 % [{ic}]) ne se distingue pas de zéro : les données ne permettent pas de "
            f"conclure à un effet. Un effet plus petit que "
            f"{format_fr.effet(principal['effet_minimum_detectable_80'], unite).lstrip('+')} "
            "passerait le plus souvent inaperçu (effet minimal détectable, puissance de 80 %)."
        )
    pre = tests.get("etude_evenement_pre_tendance")
    if pre is not None and not pd.isna(pre["p_valeur"]):
        if pre["p_valeur"] < SEUIL:
            texte = (
                f"Le test de tendances parallèles rejette (p = {_p(pre['p_valeur'])}) : avant le début, "
                "les départements expérimentaux évoluaient déjà autrement que les témoins ; l'estimation "
                "peut mêler l'effet de l'expérimentation et cette différence de tendance."
            )
            alertes.append(texte)
        else:
            texte = (
                f"Le test de tendances parallèles ne rejette pas (p = {_p(pre['p_valeur'])}) : avant le "
                "début, rien ne distingue l'évolution des deux groupes."
            )
        phrases.append(texte)
    placebo = tests.get("placebo_debut_fictif")
    if placebo is not None and not pd.isna(placebo["p_valeur"]):
        if placebo["p_valeur"] < SEUIL:
            texte = (
                f"Le placebo (un faux début un an plus tôt) trouve un écart "
                f"({format_fr.effet(placebo['estimation'], unite)}, p = {_p(placebo['p_valeur'])}) là où "
                "il ne devrait y en avoir aucun : la méthode attribue à l'expérimentation des écarts qui "
                "existaient sans elle ; prudence."
            )
            alertes.append(texte)
        else:
            texte = (
                f"Le placebo (un faux début un an plus tôt) ne trouve pas d'écart "
                f"({format_fr.effet(placebo['estimation'], unite)}, p = {_p(placebo['p_valeur'])}), "
                "comme attendu."
            )
        phrases.append(texte)
    sensibilite = tests.get("sensibilite_rambachan_roth")
    if sensibilite is not None and not pd.isna(sensibilite["ic95_bas"]) and exclut_zero:
        ic_s = format_fr.intervalle(sensibilite["ic95_bas"], sensibilite["ic95_haut"], unite)
        if sensibilite["ic95_bas"] <= 0 <= sensibilite["ic95_haut"]:
            phrases.append(
                f"Si la tendance d'avant le début s'était prolongée, l'intervalle serait [{ic_s}], qui "
                "contient zéro : l'effet ne résiste pas à cette hypothèse."
            )
        else:
            phrases.append(
                f"Même si la tendance d'avant le début s'était prolongée, l'intervalle [{ic_s}] exclut zéro."
            )
    if principal.get("avertissement"):
        alertes.append(f"Avertissement de l'estimation : {principal['avertissement']}.")
    return phrases, alertes


def lire_evaluation(con: duckdb.DuckDBPyConnection, tables: set[str]) -> EtatEvaluation:
    if "evaluation.gipa_resultats" not in tables or "evaluation.gipa_execution" not in tables:
        return EtatEvaluation(
            False,
            "L'évaluation de l'expérimentation n'est pas dans le fichier publié de cette portée "
            "(réservée au national et au comité de pilotage, ou pas encore calculée : `aripa evaluate`).",
        )
    execution = con.execute("select * from evaluation.gipa_execution").df()
    if execution.empty:
        return EtatEvaluation(False, "L'évaluation n'a pas encore été calculée (`aripa evaluate`).")
    calcul = execution.iloc[0]
    quand = pd.Timestamp(calcul["calcule_le_utc"])
    publie = None
    if TABLE_EMPREINTE_PUBLIEE in tables:
        lignes = con.execute(f"select empreinte_panel from {TABLE_EMPREINTE_PUBLIEE}").fetchall()
        publie = lignes[0][0] if lignes else None
    if publie != calcul["empreinte_panel"]:
        return EtatEvaluation(
            False,
            f"Résultats périmés : calculés le {quand:%d/%m/%Y à %H:%M} UTC sur un panel qui n'est plus "
            "celui publié (les indicateurs ont été reconstruits depuis). Relancer `aripa evaluate` : "
            "aucun résultat n'est montré d'ici là.",
        )
    resultats = con.execute("select * from evaluation.gipa_resultats").df()
    estimations = []
    for (resultat, groupe), bloc in resultats.groupby(["resultat", "groupe_temoin"], sort=False):
        par_methode = {r["methode"]: r for _, r in bloc.iterrows()}
        principal = par_methode.get(PRINCIPALE)
        if principal is None:
            continue
        phrases, alertes = lecture(principal, par_methode)
        unite = principal["unite"]
        estimations.append(
            Estimation(
                resultat=resultat,
                libelle=principal["libelle_resultat"],
                unite=unite,
                groupe=groupe,
                libelle_groupe=GROUPES_TEMOINS.get(groupe, groupe),
                effet=format_fr.effet(principal["estimation"], unite),
                intervalle=format_fr.intervalle(principal["ic95_bas"], principal["ic95_haut"], unite),
                p_valeur=_p(principal["p_valeur"]),
                effet_minimal=format_fr.effet(principal["effet_minimum_detectable_80"], unite),
                nb_traites=int(principal["nb_departements_traites"]),
                nb_temoins=int(principal["nb_departements_temoins"]),
                lecture=phrases,
                alertes=alertes,
            )
        )
    tc = resultats[
        (resultats["resultat"] == "taux_recouvrement_tc")
        & (resultats["groupe_temoin"] == "tous_non_experimentaux")
    ]
    methodes = pd.DataFrame(
        {
            "methode": [METHODES.get(m, m) for m in tc["methode"]],
            "estimation": [
                format_fr.effet(x, u) if pd.notna(x) else format_fr.VIDE
                for x, u in zip(tc["estimation"], tc["unite"], strict=True)
            ],
            "intervalle": [
                format_fr.intervalle(b, h, u)
                for b, h, u in zip(tc["ic95_bas"], tc["ic95_haut"], tc["unite"], strict=True)
            ],
            "p_valeur": [_p(p) for p in tc["p_valeur"]],
        }
    )
    etude = None
    if "evaluation.gipa_etude_evenement" in tables:
        etude = con.execute(
            "select relatif, estimation, ic_bas, ic_haut from evaluation.gipa_etude_evenement "
            "where resultat = 'taux_recouvrement_tc' and groupe_temoin = 'tous_non_experimentaux' "
            "order by relatif"
        ).df()
    return EtatEvaluation(
        True,
        f"Résultats calculés le {quand:%d/%m/%Y à %H:%M} UTC par `aripa evaluate` sur le panel publié "
        f"({format_fr.nombre(int(calcul['nb_lignes_panel']))} lignes département x mois).",
        estimations,
        etude,
        methodes,
    )
