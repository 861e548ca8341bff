"""Rolling-origin back-test: each model forecasts 12 months from several past origins, and is
scored against what happened (Tashman 2000; Hyndman & Athanasopoulos, FPP 3rd ed., 5.10).

Scores, pooled over the zones of a series (so none describes one Caf): WAPE (sum of absolute
errors / sum of actual values), MASE (absolute error scaled by the mean absolute year-on-year
difference of the training window, then averaged: 1 = as good as the seasonal naive forecast
in-sample), and the coverage of the 80 % and 95 % prediction intervals (the share of actual
values inside them).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from pipelines.prevision.modeles import MODELES, PERIODE
from pipelines.prevision.series import Serie

HORIZON = 12


def erreurs(
    series: list[Serie],
    origines: list[int],
    fenetre_ajustement: int,
    modeles: dict[str, Callable] = MODELES,
    progression: Callable[[str], None] = lambda _: None,
) -> pd.DataFrame:
    """One row per series, model, origin and horizon. An origin k is the forecast made k months
    before the last observed month plus 12 (so the 12 months ahead are all observed): with
    origines = [12, 18, 24], forecasts start 12, 18 and 24 months before the end."""
    lignes = []
    for i, s in enumerate(series):
        for recul in origines:
            fin = s.valeurs.size - recul
            apprentissage = s.valeurs[max(0, fin - fenetre_ajustement) : fin]
            reel = s.valeurs[fin : fin + HORIZON]
            echelle = float(np.mean(np.abs(apprentissage[PERIODE:] - apprentissage[:-PERIODE])))
            for nom, modele in modeles.items():
                p = modele(apprentissage, HORIZON)
                for h in range(reel.size):
                    erreur = abs(reel[h] - p.moyenne[h])
                    lignes.append(
                        {
                            "serie": s.serie,
                            "niveau": s.niveau,
                            "code_zone": s.code_zone,
                            "modele": nom,
                            "origine": s.mois[fin - 1],
                            "horizon": h + 1,
                            "reel": reel[h],
                            "prevision": p.moyenne[h],
                            "erreur_absolue": erreur,
                            "erreur_echelle": erreur / echelle if echelle > 0 else np.nan,
                            "dans_80": p.basse_80[h] <= reel[h] <= p.haute_80[h],
                            "dans_95": p.basse_95[h] <= reel[h] <= p.haute_95[h],
                        }
                    )
        progression(f"rétro-test : {i + 1}/{len(series)} séries")
    return pd.DataFrame(lignes)


def scores(detail: pd.DataFrame, par: list[str]) -> pd.DataFrame:
    """WAPE, MASE and interval coverage, grouped by `par` (e.g. serie and modele)."""
    g = detail.groupby(par, sort=True)
    return pd.DataFrame(
        {
            "nb_previsions": g.size(),
            "wape": g["erreur_absolue"].sum() / g["reel"].apply(lambda r: np.abs(r).sum()),
            "mase": g["erreur_echelle"].mean(),
            "couverture_80": g["dans_80"].mean(),
            "couverture_95": g["dans_95"].mean(),
        }
    ).reset_index()


def modele_retenu(synthese: pd.DataFrame) -> dict[str, str]:
    """Per series, the model of lowest back-test MASE: ETS only where it beats the baseline."""
    meilleurs = synthese.sort_values(["serie", "mase", "modele"]).groupby("serie").head(1)
    return dict(zip(meilleurs["serie"], meilleurs["modele"], strict=True))
