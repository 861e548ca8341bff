"""The national paths the demo network follows: published figures and the assumptions between them.

The published points are read from the `chiffres_publies` seed, where they are written once with
their source (the realism check compares the built marts with the same rows). The assumptions
that bridge them are written here. Values between knots are interpolated month by month.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

import numpy as np

from pipelines.config import DOSSIER_SEEDS

PUBLIE = "publié"
HYPOTHESE = "hypothèse"


@dataclass(frozen=True)
class Point:
    mois: str  # AAAA-MM
    valeur: float
    statut: str
    source: str = ""


@cache
def publies(indicateur: str) -> tuple[Point, ...]:
    with (DOSSIER_SEEDS / "chiffres_publies.csv").open(encoding="utf-8") as handle:
        return tuple(
            Point(ligne["mois_trajectoire"], float(ligne["valeur"]), PUBLIE, ligne["libelle"])
            for ligne in csv.DictReader(handle)
            if ligne["indicateur"] == indicateur
        )


def chemin(*points: Point, publie: str) -> tuple[Point, ...]:
    """Assumption knots and the published ones of an indicator, in month order."""
    return tuple(sorted((*points, *publies(publie)), key=lambda p: p.mois))


# Active recovery procedures at month end (intermediation excluded: it starts in Oct 2020).
PROCEDURES_ACTIVES = chemin(
    Point("2012-01", 16_000, HYPOTHESE),
    Point("2015-01", 20_000, HYPOTHESE),
    Point("2022-12", 55_000, HYPOTHESE),
    Point("2026-12", 60_000, HYPOTHESE),
    publie="procedures_actives",
)

# Recovery rate by calendar year (published definitions unknown; reproduced here as the
# TC flow rate of recovery procedures, the reading this project computes).
TAUX_RECOUVREMENT = chemin(
    Point("2012-07", 0.40, HYPOTHESE),
    Point("2013-07", 0.41, HYPOTHESE),
    Point("2014-07", 0.42, HYPOTHESE),
    Point("2026-12", 0.70, HYPOTHESE),
    publie="taux_recouvrement",
)

# Families receiving the ASF, all kinds.
FAMILLES_ASF = chemin(
    Point("2012-01", 720_000, HYPOTHESE),
    Point("2026-12", 900_000, HYPOTHESE),
    publie="familles_asf",
)

# ASF complémentaire in the 20 experimental départements (seed 001 pillar a; domain.md).
ASF_COMPLEMENTAIRE_EXPERIMENTATION = chemin(publie="asf_complementaire_experimentation")

# Financial intermediation requests per year (from October 2020).
INTERMEDIATION_DEMANDES_ANNUELLES = chemin(
    Point("2020-10", 30_000, HYPOTHESE),
    Point("2022-01", 90_000, HYPOTHESE),
    Point("2026-12", 130_000, HYPOTHESE),
    publie="demandes_intermediation",
)


def index_mois(texte: str) -> int:
    annee, mois = texte.split("-")
    return int(annee) * 12 + int(mois) - 1


def interpoler(points: tuple[Point, ...], mois: np.ndarray) -> np.ndarray:
    """Linear between knots, flat beyond the first and last."""
    x = np.array([index_mois(p.mois) for p in points], dtype=float)
    y = np.array([p.valeur for p in points], dtype=float)
    return np.interp(mois.astype(float), x, y)
