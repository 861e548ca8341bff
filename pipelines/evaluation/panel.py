"""The département x month panel of outcomes, read from the KPI marts (no KPI is computed here),
and the comparison groups, taken from the reference data (seed gipa_departements)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Resultat:
    """An outcome of the panel: its column in the mart, its weight, its label and unit."""

    code: str
    libelle: str
    libelle_court: str
    unite: str
    colonne: str
    ponderation: str | None  # weight column (a rate is weighted by its denominator), or None


RESULTATS = (
    Resultat(
        "taux_recouvrement_tc",
        "Taux de recouvrement du terme courant (flux)",
        "Taux de recouvrement TC",
        "points de taux",
        "taux_recouvrement_tc",
        "montant_attendu_tc",
    ),
    Resultat(
        "arrieres_pde_encaisses",
        "Arriérés de pension encaissés sur les paiements directs (PDE)",
        "Arriérés encaissés en PDE",
        "euros par mois",
        "arrieres_pde_encaisses",
        None,
    ),
    Resultat(
        "nouvelles_pde",
        "Nouvelles procédures de paiement direct (PDE)",
        "Nouvelles PDE",
        "procédures par mois",
        "nouvelles_pde",
        None,
    ),
    Resultat(
        "familles_asf_complementaire",
        "Familles bénéficiaires de l'ASF complémentaire",
        "Familles en ASF complémentaire",
        "familles",
        "familles_asf_complementaire",
        None,
    ),
    Resultat(
        "delai_premier_versement",
        "Délai moyen entre l'engagement et le premier versement",
        "Délai du 1er versement",
        "jours",
        "delai_moyen_premier_versement_jours",
        "nb_avec_versement",
    ),
)


# The two control groups, as named in the results and as users read them.
GROUPES_TEMOINS = {
    "tous_non_experimentaux": "tous les départements non expérimentaux",
    "apparies": "départements appariés",
}


@dataclass(frozen=True)
class Calendrier:
    """Pre-period, treatment window and end of the clean comparison, from the reference data."""

    debut_donnees: date
    debut_traitement: date
    generalisation: date

    @property
    def indice_debut(self) -> int:
        """Month index of the start (year x 12 + month - 1): the `t` of the estimation frames."""
        return self.debut_traitement.year * 12 + self.debut_traitement.month - 1

    @property
    def fin_fenetre(self) -> date:
        # The last month before generalisation: afterwards every département is treated.
        annee, mois = divmod(self.generalisation.year * 12 + self.generalisation.month - 2, 12)
        return date(annee, mois + 1, 1)


# How the panel is read, by `aripa evaluate` and by the dashboard checking its fingerprint.
REQUETE_PANEL = "select * from marts.evaluation_panel_gipa order by code_departement, mois"


# Where the publish step writes the fingerprint of the panel it publishes beside the results.
TABLE_EMPREINTE_PUBLIEE = "evaluation.panel_publie"


def empreinte_panel(panel: pd.DataFrame) -> str:
    """SHA-256 of the panel's rows as read (sorted by unit and month by lire_panel): the build the
    results come from. The publish step writes the published panel's in TABLE_EMPREINTE_PUBLIEE: the dashboard
    refuses results whose fingerprint differs (stale)."""
    valeurs = pd.util.hash_pandas_object(panel.reset_index(drop=True), index=False).to_numpy()
    colonnes = ",".join(f"{c}:{t}" for c, t in panel.dtypes.astype(str).items())
    return hashlib.sha256(colonnes.encode() + valeurs.tobytes()).hexdigest()


def lire_panel(entrepot: Path, lecture_seule: bool = False) -> pd.DataFrame:
    # Read-write by default: after `aripa build` in the same process (aripa demo), DuckDB refuses
    # a second connection to the warehouse with another configuration than dbt's read-write one.
    # A published copy, which dashboards may hold open, is read read-only.
    with duckdb.connect(str(entrepot), read_only=lecture_seule) as con:
        return con.execute(REQUETE_PANEL).df()


def calendrier(panel: pd.DataFrame) -> Calendrier:
    experimentaux = panel[panel["groupe_gipa"] == "experimental"]
    debuts = pd.to_datetime(experimentaux["date_debut_gipa"]).dt.date
    generalisation = pd.to_datetime(experimentaux["date_generalisation_gipa"]).dt.date
    return Calendrier(
        debut_donnees=pd.to_datetime(panel["mois"]).dt.date.min(),
        debut_traitement=min(debuts),
        generalisation=min(generalisation),
    )


def index_mois(mois: pd.Series) -> np.ndarray:
    m = pd.to_datetime(mois)
    return (m.dt.year * 12 + m.dt.month - 1).to_numpy()


def preparer(panel: pd.DataFrame, resultat: Resultat, temoins: set[str], cal: Calendrier) -> pd.DataFrame:
    """The estimation frame of one outcome: experimental départements and the given controls,
    months up to the end of the clean comparison, treatment = experimental x month in the window
    (from each département's own start date, so different start dates are honoured)."""
    p = panel[pd.to_datetime(panel["mois"]).dt.date <= cal.fin_fenetre]
    p = p[(p["groupe_gipa"] == "experimental") | p["code_departement"].isin(temoins)]
    debut = pd.to_datetime(p["date_debut_gipa"])
    d = (p["groupe_gipa"] == "experimental") & (pd.to_datetime(p["mois"]) >= debut)
    poids = p[resultat.ponderation].astype(float) if resultat.ponderation else 1.0
    cadre = pd.DataFrame(
        {
            "dep": p["code_departement"].to_numpy(),
            "t": index_mois(p["mois"]),
            "y": p[resultat.colonne].astype(float).to_numpy(),
            "w": np.broadcast_to(poids, len(p)).astype(float),
            "d": d.astype(float).to_numpy(),
            # The start month index from the reference data (NaN: never treated): the adoption date
            # even when the unit has no observation in its first treated month.
            "g": np.where(
                p["groupe_gipa"] == "experimental", index_mois(debut.fillna(pd.Timestamp(0))), np.nan
            ),
        }
    )
    # A rate with nothing due that month is undefined: the month carries no weight, not a zero.
    return cadre[np.isfinite(cadre["y"]) & (cadre["w"] > 0)].reset_index(drop=True)
