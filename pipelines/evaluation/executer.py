"""`aripa evaluate`: every outcome x control group x method, written to the warehouse and as figures.

Reads `marts.evaluation_panel_gipa` (built by dbt from the KPI marts), estimates, and writes
`marts.evaluation_gipa_resultats` (one row per outcome, control group and method) and
`marts.evaluation_gipa_etude_evenement` (leads and lags), then the event-study figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipelines.evaluation import estimateurs as est
from pipelines.evaluation.appariement import temoins_apparies
from pipelines.evaluation.panel import (
    GROUPES_TEMOINS,
    RESULTATS,
    Calendrier,
    calendrier,
    preparer,
)

POIDS = {"montant_attendu_tc": "le TC attendu", "nb_avec_versement": "le nombre de procédures payées"}
AVANCES = 12  # leads shown one by one (earlier months binned into -12)
K_APPARIEMENT = 3


@dataclass
class Evaluation:
    resultats: pd.DataFrame
    etude_evenement: pd.DataFrame
    groupes: dict[str, set[str]]


def groupes_de_comparaison(panel: pd.DataFrame, cal: Calendrier) -> tuple[set[str], dict[str, set[str]]]:
    """Experimental départements (seed) and the two control groups: every non-experimental
    département, and the matched ones (nearest on pre-period level and trend of the TC rate)."""
    par_dep = panel.drop_duplicates("code_departement").set_index("code_departement")["groupe_gipa"]
    traites = set(par_dep[par_dep == "experimental"].index)
    tous = set(par_dep[par_dep != "experimental"].index)
    cadre_tc = preparer(panel, RESULTATS[0], tous, cal)
    apparies = temoins_apparies(cadre_tc, traites, cal.indice_debut)
    return traites, {"tous_non_experimentaux": tous, "apparies": apparies}


def _ligne(resultat, groupe, methode, e: est.Estimation, cadre: pd.DataFrame, notes: str) -> dict:
    return {
        "resultat": resultat.code,
        "libelle_resultat": resultat.libelle,
        "unite": resultat.unite,
        "groupe_temoin": groupe,
        "methode": methode,
        "estimation": e.estimation,
        "ic95_bas": e.ic_bas,
        "ic95_haut": e.ic_haut,
        "p_valeur": e.p_valeur,
        "inference": e.inference,
        "nb_departements_traites": int(cadre.loc[cadre["d"] == 1, "dep"].nunique()),
        "nb_departements_temoins": int(cadre["dep"].nunique() - cadre.loc[cadre["d"] == 1, "dep"].nunique()),
        "nb_mois": int(cadre["t"].nunique()),
        "ponderation": resultat.ponderation or "aucune",
        "notes": notes,
    }


def evaluer(panel: pd.DataFrame, progression: Callable[[str], None] = lambda _: None) -> Evaluation:
    cal = calendrier(panel)
    traites, groupes = groupes_de_comparaison(panel, cal)
    debut = cal.indice_debut
    lignes, etudes = [], []
    for resultat in RESULTATS:
        pondere = resultat.ponderation is not None
        note_poids = f"pondéré par {POIDS[resultat.ponderation]}" if pondere else "non pondéré"
        for groupe, temoins in groupes.items():
            cadre = preparer(panel, resultat, temoins, cal)
            progression(f"{resultat.libelle} — témoins : {groupe} ({cadre['dep'].nunique()} départements)")
            lignes.append(_ligne(resultat, groupe, "twfe", est.twfe(cadre, pondere), cadre, note_poids))
            lignes.append(
                _ligne(
                    resultat,
                    groupe,
                    "twfe_randomisation",
                    est.inference_randomisation(cadre, pondere),
                    cadre,
                    note_poids,
                )
            )
            lignes.append(
                _ligne(
                    resultat,
                    groupe,
                    "did2s",
                    est.did2s(cadre, pondere),
                    cadre,
                    note_poids + " ; robuste aux dates de début différentes et aux effets hétérogènes",
                )
            )
            etude = est.etude_evenement(cadre, pondere, debut, AVANCES, int(cadre["t"].max()) - debut)
            lignes.append(
                _ligne(
                    resultat,
                    groupe,
                    "etude_evenement_pre_tendance",
                    est.Estimation(
                        np.nan,
                        np.nan,
                        np.nan,
                        etude.p_pre_tendance,
                        f"test de Wald joint des {etude.nb_avances} avances (F, G-1 ddl)",
                    ),
                    cadre,
                    note_poids + " ; p-valeur du test de tendances parallèles avant le début",
                )
            )
            etudes.append(etude.coefficients.assign(resultat=resultat.code, groupe_temoin=groupe))
            # Placebo: a fake start one year early, on pre-period months only.
            avant = cadre[cadre["t"] < debut].copy()
            traite = avant["dep"].isin(traites)
            avant["d"] = (traite & (avant["t"] >= debut - 12)).astype(float)
            lignes.append(
                _ligne(
                    resultat,
                    groupe,
                    "placebo_debut_fictif",
                    est.inference_randomisation(avant, pondere),
                    avant,
                    note_poids + " ; faux début 12 mois avant, période pré seulement",
                )
            )
    return Evaluation(pd.DataFrame(lignes), pd.concat(etudes, ignore_index=True), groupes)


def ecrire(evaluation: Evaluation, entrepot: Path) -> None:
    """The results tables, replaced in one transaction."""
    with duckdb.connect(str(entrepot)) as con:
        con.execute("begin")
        for nom, cadre in (
            ("evaluation_gipa_resultats", evaluation.resultats),
            ("evaluation_gipa_etude_evenement", evaluation.etude_evenement),
        ):
            con.register("cadre", cadre)
            con.execute(f"create or replace table marts.{nom} as select * from cadre")
            con.unregister("cadre")
        con.execute("commit")


def figures(evaluation: Evaluation, dossier: Path) -> list[Path]:
    """One event-study figure per outcome (both control groups), PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dossier.mkdir(parents=True, exist_ok=True)
    chemins = []
    for resultat in RESULTATS:
        echelle = 100 if resultat.unite == "points de taux" else 1  # a rate's effect in points
        fig, ax = plt.subplots(figsize=(9, 4.5))
        for (groupe, libelle), couleur, decalage in zip(
            GROUPES_TEMOINS.items(), ("#1f4e79", "#c55a11"), (-0.15, 0.15), strict=True
        ):
            e = evaluation.etude_evenement
            e = e[(e["resultat"] == resultat.code) & (e["groupe_temoin"] == groupe)]
            ax.errorbar(
                e["relatif"] + decalage,
                e["estimation"] * echelle,
                yerr=[(e["estimation"] - e["ic_bas"]) * echelle, (e["ic_haut"] - e["estimation"]) * echelle],
                fmt="o",
                ms=3,
                lw=1,
                color=couleur,
                label=f"témoins : {libelle}",
            )
        ax.axhline(0, color="grey", lw=0.8)
        ax.axvline(-0.5, color="grey", ls="--", lw=0.8)
        ax.set_xlabel("mois depuis le début de l'expérimentation (octobre 2014 = 0 ; référence : -1)")
        ax.set_ylabel(resultat.unite)
        ax.set_title(resultat.libelle, fontsize=11)
        ax.legend(fontsize=8)
        chemin = dossier / f"etude_evenement_{resultat.code}.png"
        fig.tight_layout()
        fig.savefig(chemin, dpi=110)
        plt.close(fig)
        chemins.append(chemin)
    return chemins
