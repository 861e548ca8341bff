"""The two forecasting models and their prediction intervals, on one monthly series.

- `ets`: exponential smoothing (statsmodels' ETSModel: additive error, damped additive trend,
  additive yearly seasonality), fitted by maximum likelihood; intervals from its state-space
  formulas. statsforecast was the first choice: its 2.1 release pins pandas < 3 (and fugue with
  it), which would move the whole locked stack back a major version; statsmodels is maintained,
  already in the environment, and gives the same model family with intervals.
- `saisonnier_naif`: the value of the same month a year before; intervals from the standard
  deviation of the year-on-year differences, widened by sqrt(k + 1) for the k-th year ahead
  (Hyndman & Athanasopoulos, Forecasting: Principles and Practice, 3rd ed., 5.5).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

PERIODE = 12
Z = {80: 1.2815515655446004, 95: 1.959963984540054}


@dataclass(frozen=True)
class Prevision:
    moyenne: np.ndarray
    basse_80: np.ndarray
    haute_80: np.ndarray
    basse_95: np.ndarray
    haute_95: np.ndarray


def saisonnier_naif(y: np.ndarray, horizon: int) -> Prevision:
    if y.size < 2 * PERIODE:
        raise ValueError(f"saisonnier naïf : il faut au moins {2 * PERIODE} mois, reçu {y.size}")
    h = np.arange(horizon)
    moyenne = y[y.size - PERIODE + (h % PERIODE)]
    ecart = float(np.std(y[PERIODE:] - y[:-PERIODE], ddof=1))
    largeur = ecart * np.sqrt(h // PERIODE + 1)
    return Prevision(
        moyenne,
        moyenne - Z[80] * largeur,
        moyenne + Z[80] * largeur,
        moyenne - Z[95] * largeur,
        moyenne + Z[95] * largeur,
    )


def ets(y: np.ndarray, horizon: int) -> Prevision:
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    if y.size < 2 * PERIODE:
        raise ValueError(f"ETS : il faut au moins {2 * PERIODE} mois, reçu {y.size}")
    modele = ETSModel(
        pd.Series(y.astype(float)),  # statsmodels' intervals need an indexed series, not an array
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=PERIODE,
    )
    with warnings.catch_warnings():  # convergence chatter on short series: the back-test judges the fit
        warnings.simplefilter("ignore")
        ajuste = modele.fit(disp=False, maxiter=200)
        prediction = ajuste.get_prediction(start=y.size, end=y.size + horizon - 1)
        a80 = prediction.summary_frame(alpha=0.20)
        a95 = prediction.summary_frame(alpha=0.05)
    return Prevision(
        np.asarray(a80["mean"]),
        np.asarray(a80["pi_lower"]),
        np.asarray(a80["pi_upper"]),
        np.asarray(a95["pi_lower"]),
        np.asarray(a95["pi_upper"]),
    )


MODELES = {"ets": ets, "saisonnier_naif": saisonnier_naif}
