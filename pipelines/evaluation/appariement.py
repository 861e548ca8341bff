"""The matched control group: the non-experimental départements nearest to each experimental one
on pre-period levels and trends of the main outcome.

Method: over the pre-period (from the first month of data to the month before the start), each
département's weighted mean TC recovery rate and its linear monthly trend (weighted least squares
of the rate on the month). Both are standardised over all départements; each experimental
département takes its `k` nearest non-experimental ones (Euclidean distance), with replacement
across experimental départements; the control group is their union.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def caracteristiques_pre_periode(cadre: pd.DataFrame, debut: int) -> pd.DataFrame:
    """Weighted level and trend of `y` per département before month index `debut`."""
    lignes = []
    for dep, g in cadre[cadre["t"] < debut].groupby("dep"):
        w, t, y = g["w"].to_numpy(), g["t"].to_numpy(float), g["y"].to_numpy()
        niveau = np.average(y, weights=w)
        tc = t - np.average(t, weights=w)
        pente = np.sum(w * tc * (y - niveau)) / np.sum(w * tc * tc)
        lignes.append((dep, niveau, pente))
    return pd.DataFrame(lignes, columns=["dep", "niveau", "tendance"]).set_index("dep")


def temoins_apparies(cadre: pd.DataFrame, traites: set[str], debut: int, k: int = 3) -> set[str]:
    carac = caracteristiques_pre_periode(cadre, debut)
    z = (carac - carac.mean()) / carac.std(ddof=0)
    candidats = z[~z.index.isin(traites)]
    choisis: set[str] = set()
    for dep in sorted(traites & set(z.index)):
        distances = np.sqrt(((candidats - z.loc[dep]) ** 2).sum(axis=1))
        choisis |= set(distances.nsmallest(k).index)
    return choisis
