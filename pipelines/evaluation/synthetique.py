"""Synthetic control cross-check (Abadie, Diamond and Hainmueller 2010) with pysyncon.

Why pysyncon: a maintained library (1.7.0, Sept. 2026) needing only numpy, pandas, scipy and
matplotlib, already in the stack; SyntheticControlMethods is broken with current scipy and
synthdid 0.10 pins an old stack (stack notes). The treated units are pooled into one series
(weighted mean when the outcome is weighted), its synthetic twin is a convex combination of
control units fitted on every pre-period outcome (V = identity: pysyncon then solves only the
quadratic programme for the weights W). Effect: mean post-period gap. Inference: placebo in
space (each control in turn as the treated unit, the others as donors), the p-value is the rank
of the treated series' post/pre RMSPE ratio. Needs one start date (a block design).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.evaluation.estimateurs import Estimation, cohortes


def _synthetique(z0: pd.DataFrame, z1: pd.Series, pre: np.ndarray) -> np.ndarray:
    """The synthetic series of z1 from the columns of z0, fitted on the rows `pre`."""
    from pysyncon import Synth

    synth = Synth()
    x0, x1 = z0[pre], z1[pre].rename("__traite__")  # pysyncon needs a named series
    synth.fit(X0=x0, X1=x1, Z0=x0, Z1=x1, custom_V=np.ones(len(x1)))  # V = identity (its diagonal)
    return z0.to_numpy() @ synth.W


def controle_synthetique(panel: pd.DataFrame, pondere: bool) -> Estimation:
    debut = cohortes(panel)
    dates = debut.dropna().unique()
    libelle = "contrôle synthétique (pysyncon), série poolée des traités ; p par placebos dans l'espace"
    nan = float("nan")
    if dates.size != 1:
        return Estimation(nan, nan, nan, nan, libelle, nan, "non calculé : plusieurs dates de début")
    traites = set(debut.dropna().index)
    p = panel.assign(wy=panel["w"] * panel["y"] if pondere else panel["y"], ww=panel["w"] if pondere else 1.0)
    t_traite = p[p["dep"].isin(traites)].groupby("t")[["wy", "ww"]].sum()
    z1 = t_traite["wy"] / t_traite["ww"]
    z0 = p[~p["dep"].isin(traites)].pivot(index="t", columns="dep", values="y").reindex(z1.index)
    z0 = z0.dropna(axis=1)  # donors need every period
    if z0.shape[1] < 2:
        return Estimation(nan, nan, nan, nan, libelle, nan, "non calculé : moins de deux témoins complets")
    pre = np.asarray(z1.index < dates[0])

    def rapport(serie: pd.Series, donneurs: pd.DataFrame) -> tuple[float, float]:
        ecart = serie.to_numpy() - _synthetique(donneurs, serie, pre)
        return float(ecart[~pre].mean()), float(np.sqrt(np.mean(ecart[~pre] ** 2) / np.mean(ecart[pre] ** 2)))

    effet, r_traite = rapport(z1, z0)
    placebos = np.array([rapport(z0[c], z0.drop(columns=c))[1] for c in z0.columns])
    p_valeur = float((1 + np.sum(placebos >= r_traite)) / (1 + placebos.size))
    return Estimation(effet, nan, nan, p_valeur, libelle + f" ({placebos.size} placebos)", nan)
