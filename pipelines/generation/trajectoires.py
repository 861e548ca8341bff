"""The national paths the demo network follows: published figures and the assumptions between them.

Each knot says whether it is published (domain.md, "Public facts beyond the seeds") or an
assumption. Values between knots are interpolated month by month. `aripa realism` compares the
built marts with the published knots only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PUBLIE = "publié"
HYPOTHESE = "hypothèse"


@dataclass(frozen=True)
class Point:
    mois: str  # AAAA-MM
    valeur: float
    statut: str
    source: str = ""


# Active recovery procedures at month end (intermediation excluded: it starts in Oct 2020).
PROCEDURES_ACTIVES = (
    Point("2012-01", 16_000, HYPOTHESE),
    Point("2015-01", 20_000, HYPOTHESE),
    Point("2017-01", 24_419, PUBLIE, "procédures actives, janvier 2017"),
    Point("2018-12", 37_244, PUBLIE, "procédures actives, décembre 2018"),
    Point("2019-12", 47_000, PUBLIE, "47 000 procédures actives, décembre 2019 (seed 000)"),
    Point("2022-12", 55_000, HYPOTHESE),
    Point("2026-12", 60_000, HYPOTHESE),
)

# Recovery rate by calendar year (published definitions unknown; reproduced here as the
# TC flow rate of recovery procedures, the reading this project computes).
TAUX_RECOUVREMENT = (
    Point("2012-07", 0.40, HYPOTHESE),
    Point("2013-07", 0.41, HYPOTHESE),
    Point("2014-07", 0.42, HYPOTHESE),
    Point("2015-07", 0.44, PUBLIE, "taux de recouvrement 2015"),
    Point("2016-07", 0.56, PUBLIE, "taux de recouvrement 2016"),
    Point("2017-07", 0.617, PUBLIE, "taux de recouvrement 2017"),
    Point("2018-07", 0.636, PUBLIE, "taux de recouvrement 2018"),
    Point("2019-07", 0.65, PUBLIE, "65 %, décembre 2019 (seed 000)"),
    Point("2023-07", 0.70, PUBLIE, "70 % fin 2023 (une des deux lectures publiées)"),
    Point("2026-12", 0.70, HYPOTHESE),
)

# Families receiving the ASF, all kinds.
FAMILLES_ASF = (
    Point("2012-01", 720_000, HYPOTHESE),
    Point("2015-06", 740_000, PUBLIE, "environ 740 000 familles, 2015"),
    Point("2023-06", 879_000, PUBLIE, "879 000 familles, juin 2023"),
    Point("2026-12", 900_000, HYPOTHESE),
)

# ASF complémentaire in the 20 experimental départements (seed 001 pillar a; domain.md).
ASF_COMPLEMENTAIRE_EXPERIMENTATION = (
    Point("2014-10", 537, PUBLIE, "537 familles, octobre 2014"),
    Point("2016-03", 4_729, PUBLIE, "4 729 familles, mars 2016"),
)

# Financial intermediation requests per year (from October 2020).
INTERMEDIATION_DEMANDES_ANNUELLES = (
    Point("2020-10", 30_000, HYPOTHESE),
    Point("2022-01", 90_000, HYPOTHESE),
    Point("2024-06", 127_404, PUBLIE, "127 404 demandes en 2024"),
    Point("2026-12", 130_000, HYPOTHESE),
)


def index_mois(texte: str) -> int:
    annee, mois = texte.split("-")
    return int(annee) * 12 + int(mois) - 1


def interpoler(points: tuple[Point, ...], mois: np.ndarray) -> np.ndarray:
    """Linear between knots, flat beyond the first and last."""
    x = np.array([index_mois(p.mois) for p in points], dtype=float)
    y = np.array([p.valeur for p in points], dtype=float)
    return np.interp(mois.astype(float), x, y)
