"""`aripa evaluate`: every outcome x control group x method, written to the warehouse and as figures.

Reads `marts.evaluation_panel_gipa` (built by dbt from the KPI marts), estimates, and writes into
the warehouse schema `evaluation` (its own: dbt builds nothing there) `gipa_resultats` (one row per
outcome, control group and method), `gipa_etude_evenement` (leads and lags) and `gipa_execution`
(when, and on which panel: the SHA-256 of the panel's rows, so a reader can refuse results computed
on another build of the panel; and with which method: the SHA-256 of this package's code and
settings), then the event-study figures. The same panel with the same method gives the same
results: a second run keeps those already in the warehouse (deja_evaluee). The same estimators run on any
panel file (`aripa evaluate --panel`, see panel_externe.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
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
from pipelines.evaluation.synthetique import controle_synthetique

POIDS = {"montant_attendu_tc": "le TC attendu", "nb_avec_versement": "le nombre de procédures payées"}
AVANCES = 12  # leads shown one by one (earlier months binned into -12)
K_APPARIEMENT = 3
TIRAGES = 999
SCHEMA = "evaluation"

# Every method of the results table, in reading order, with its label for users.
METHODES = {
    "twfe_randomisation": "Doubles différences, inférence par randomisation (lecture principale)",
    "twfe": "Doubles différences (effets fixes), écarts-types groupés",
    "twfe_bootstrap_sauvage": "Doubles différences, bootstrap sauvage groupé",
    "did2s": "Doubles différences en deux étapes (Gardner)",
    "sun_abraham": "Étude d'événement pondérée par cohorte (Sun et Abraham), effet moyen après le début",
    "callaway_santanna_jamais_traites": "Callaway et Sant'Anna, témoins jamais traités",
    "callaway_santanna_pas_encore_traites": "Callaway et Sant'Anna, témoins pas encore traités",
    "controle_synthetique": "Contrôle synthétique (contre-vérification)",
    "sensibilite_rambachan_roth": "Sensibilité : tendance d'avant prolongée (Rambachan et Roth, M = 0)",
    "etude_evenement_pre_tendance": "Test de tendances parallèles avant le début",
    "placebo_debut_fictif": "Placebo : faux début un an plus tôt",
}
PRINCIPALE = "twfe_randomisation"
# The same, short enough for a terminal table.
COURTS = {
    "twfe_randomisation": "DD, randomisation",
    "twfe": "DD, groupés (CRV1)",
    "twfe_bootstrap_sauvage": "DD, bootstrap sauvage",
    "did2s": "did2s (Gardner)",
    "sun_abraham": "Sun et Abraham",
    "callaway_santanna_jamais_traites": "CS, jamais traités",
    "callaway_santanna_pas_encore_traites": "CS, pas encore traités",
    "controle_synthetique": "contrôle synthétique",
    "sensibilite_rambachan_roth": "Rambachan-Roth M=0",
    "etude_evenement_pre_tendance": "pré-tendances (test)",
    "placebo_debut_fictif": "placebo (faux début)",
}


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


def estimer(
    cadre: pd.DataFrame, pondere: bool, avances: int, tirages: int = TIRAGES, synthetique: bool = True
) -> tuple[list[tuple[str, est.Estimation, str]], est.EtudeEvenement]:
    """Every method on one estimation frame: (method, estimate, note) and the event study. The
    synthetic control (about 40 s with its placebos on 96 départements: pysyncon's optimiser has
    no analytic gradient) only when `synthetique`."""
    debut = est.cohortes(cadre)
    retards = int(cadre["t"].max() - debut.min())
    etude = est.etude_evenement(cadre, pondere, avances, retards)
    sa = est.moyenne_post(etude)
    jamais = est.callaway_santanna(cadre, pondere, "nevertreated")
    if debut.dropna().nunique() == 1:
        # One start date: no unit is "not yet treated" before everyone is, both control groups are
        # the never-treated ones (same estimate; not computed twice).
        pas_encore, note_pas_encore = jamais, "une seule date de début : mêmes témoins que jamais traités"
    else:
        pas_encore, note_pas_encore = est.callaway_santanna(cadre, pondere, "notyettreated"), ""
    lignes = [
        ("twfe_randomisation", est.inference_randomisation(cadre, pondere, tirages), ""),
        ("twfe", est.twfe(cadre, pondere), ""),
        ("twfe_bootstrap_sauvage", est.bootstrap_sauvage(cadre, pondere, tirages), ""),
        (
            "did2s",
            est.did2s(cadre, pondere),
            "robuste aux dates de début différentes et aux effets hétérogènes",
        ),
        (
            "sun_abraham",
            est.Estimation(
                sa.estimation,
                sa.ic_bas,
                sa.ic_haut,
                sa.p_valeur,
                "moyenne des coefficients 0 et après de l'étude d'événement, covariance groupée (delta)",
                sa.erreur_type,
            ),
            "chaque département à partir de sa propre date de début",
        ),
        ("callaway_santanna_jamais_traites", jamais, ""),
        ("callaway_santanna_pas_encore_traites", pas_encore, note_pas_encore),
        (
            "sensibilite_rambachan_roth",
            est.sensibilite_tendances(etude),
            "l'effet reste-t-il si la tendance différentielle d'avant le début se prolonge ?",
        ),
        (
            "etude_evenement_pre_tendance",
            est.Estimation(
                np.nan,
                np.nan,
                np.nan,
                etude.p_pre_tendance,
                f"test de Wald joint des {etude.nb_avances} avances (F, G-1 ddl)",
            ),
            "p-valeur du test de tendances parallèles avant le début",
        ),
    ]
    if synthetique:
        lignes.append(
            (
                "controle_synthetique",
                controle_synthetique(cadre, pondere),
                "contre-vérification, sans intervalle",
            )
        )
    return lignes, etude


def _ligne(code, libelle, unite, ponderation, groupe, methode, e: est.Estimation, cadre, notes) -> dict:
    n_traites = est.nb_traites(cadre)
    return {
        "resultat": code,
        "libelle_resultat": libelle,
        "unite": unite,
        "groupe_temoin": groupe,
        "methode": methode,
        "libelle_methode": METHODES[methode],
        "estimation": e.estimation,
        "ic95_bas": e.ic_bas,
        "ic95_haut": e.ic_haut,
        "p_valeur": e.p_valeur,
        "effet_minimum_detectable_80": e.effet_minimum_detectable,
        "inference": e.inference,
        "avertissement": e.avertissement,
        "nb_departements_traites": n_traites,
        "nb_departements_temoins": int(cadre["dep"].nunique() - n_traites),
        "nb_mois": int(cadre["t"].nunique()),
        "ponderation": ponderation or "aucune",
        "notes": notes,
    }


def placebo(cadre: pd.DataFrame, pondere: bool, recul: int = 12, tirages: int = TIRAGES) -> tuple:
    """A fake start `recul` periods before each unit's real one, on periods before the earliest
    real start only: an effect found there is a pre-existing difference, not the experiment."""
    debut = est.cohortes(cadre)
    avant = cadre[cadre["t"] < debut.min()].copy()
    faux = avant["dep"].map(debut - recul)
    avant["d"] = (avant["t"] >= faux).astype(float)
    if "g" in avant:
        avant["g"] = faux
    return est.inference_randomisation(avant, pondere, tirages), avant


def evaluer(panel: pd.DataFrame, progression: Callable[[str], None] = lambda _: None) -> Evaluation:
    cal = calendrier(panel)
    _, groupes = groupes_de_comparaison(panel, cal)
    lignes, etudes = [], []
    for resultat in RESULTATS:
        pondere = resultat.ponderation is not None
        note_poids = f"pondéré par {POIDS[resultat.ponderation]}" if pondere else "non pondéré"
        meta = (resultat.code, resultat.libelle, resultat.unite, resultat.ponderation)
        for groupe, temoins in groupes.items():
            cadre = preparer(panel, resultat, temoins, cal)
            progression(f"{resultat.libelle} — témoins : {groupe} ({cadre['dep'].nunique()} départements)")
            # The synthetic control cross-checks the headline outcome only (cost, see estimer).
            estimations, etude = estimer(cadre, pondere, AVANCES, synthetique=resultat is RESULTATS[0])
            for methode, e, note in estimations:
                notes = " ; ".join(x for x in (note_poids, note) if x)
                lignes.append(_ligne(*meta, groupe, methode, e, cadre, notes))
            etudes.append(etude.coefficients.assign(resultat=resultat.code, groupe_temoin=groupe))
            e, avant = placebo(cadre, pondere)
            lignes.append(
                _ligne(
                    *meta,
                    groupe,
                    "placebo_debut_fictif",
                    e,
                    avant,
                    note_poids + " ; faux début 12 mois avant, période pré seulement",
                )
            )
    return Evaluation(pd.DataFrame(lignes), pd.concat(etudes, ignore_index=True), groupes)


def empreinte_methode() -> str:
    """SHA-256 of what the results depend on besides the panel: the settings, and the code of this
    package (estimators, matching, synthetic control, panel preparation). Any edit recomputes."""
    h = hashlib.sha256(f"{TIRAGES}|{AVANCES}|{K_APPARIEMENT}|{list(METHODES)}".encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        h.update(source.name.encode() + b"\0" + source.read_bytes())
    return h.hexdigest()


def deja_evaluee(entrepot: Path, empreinte: str) -> datetime | None:
    """When the results in the warehouse were computed from this very panel with this very method
    (None: they were not): a second `aripa demo` on the same data does not redo every estimate."""
    # Not read_only: in `aripa demo` dbt's connection to this file is still open in the process.
    with duckdb.connect(str(entrepot)) as con:
        try:
            ligne = con.execute(
                f"select calcule_le_utc from {SCHEMA}.gipa_execution "
                "where empreinte_panel = ? and empreinte_methode = ?",
                [empreinte, empreinte_methode()],
            ).fetchone()
        except duckdb.Error:  # no evaluation yet, or one written before the method's fingerprint
            return None
    return ligne[0] if ligne else None


def lire_evaluation(entrepot: Path) -> Evaluation:
    """The results and event-study coefficients already in the warehouse, without their stamps."""
    tampons = "exclude (empreinte_panel, calcule_le_utc)"
    with duckdb.connect(str(entrepot)) as con:
        resultats = con.execute(f"select * {tampons} from {SCHEMA}.gipa_resultats").df()
        etude = con.execute(f"select * {tampons} from {SCHEMA}.gipa_etude_evenement").df()
    return Evaluation(resultats, etude, {})  # the control départements per group are not stored


def ecrire(evaluation: Evaluation, entrepot: Path, empreinte: str, nb_lignes_panel: int) -> datetime:
    """The results tables in schema `evaluation`, replaced in one transaction, stamped with the
    panel's fingerprint and the time (UTC) of the computation."""
    calcule_le = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    execution = pd.DataFrame(
        {
            "calcule_le_utc": [calcule_le],
            "panel": ["marts.evaluation_panel_gipa"],
            "empreinte_panel": [empreinte],
            "nb_lignes_panel": [nb_lignes_panel],
            "nb_resultats": [len(evaluation.resultats)],
            "tirages_randomisation": [TIRAGES],
            "empreinte_methode": [empreinte_methode()],
        }
    )
    tampon = {"empreinte_panel": empreinte, "calcule_le_utc": calcule_le}
    with duckdb.connect(str(entrepot)) as con:
        con.execute("begin")
        con.execute(f"create schema if not exists {SCHEMA}")
        for nom, cadre in (
            ("gipa_resultats", evaluation.resultats.assign(**tampon)),
            ("gipa_etude_evenement", evaluation.etude_evenement.assign(**tampon)),
            ("gipa_execution", execution),
        ):
            con.register("cadre", cadre)
            con.execute(f"create or replace table {SCHEMA}.{nom} as select * from cadre")
            con.unregister("cadre")
        con.execute("commit")
    return calcule_le


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
        ax.set_xlabel("mois depuis le début de l'expérimentation de chaque département (référence : -1)")
        ax.set_ylabel(resultat.unite)
        ax.set_title(resultat.libelle, fontsize=11)
        ax.legend(fontsize=8)
        chemin = dossier / f"etude_evenement_{resultat.code}.png"
        fig.tight_layout()
        fig.savefig(chemin, dpi=110)
        plt.close(fig)
        chemins.append(chemin)
    return chemins
