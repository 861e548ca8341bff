"""Difference-in-differences estimators on a département x month panel.

Pure functions on a pandas frame with columns `dep` (cluster), `t` (month index), `y` (outcome),
`w` (weight: amounts due for a rate, 1 otherwise) and `d` (1 for a treated département in a
treated month). Libraries: pyfixest for the fixed-effects regressions (TWFE with clustered
standard errors, event study, Gardner's did2s) and its Rust demeaning for randomisation inference.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

NIVEAU = 0.95


@dataclass(frozen=True)
class Estimation:
    estimation: float
    ic_bas: float
    ic_haut: float
    p_valeur: float
    inference: str


def _feols(formule: str, panel: pd.DataFrame, pondere: bool):
    import pyfixest as pf

    # A coefficient with zero variance (see etude_evenement) makes pyfixest warn on its sqrt.
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return pf.feols(formule, data=panel, weights="w" if pondere else None, vcov={"CRV1": "dep"})


def _coefficient_d(fit, inference: str) -> Estimation:
    """The treatment coefficient of a pyfixest fit, with its 95 % interval and p-value."""
    ligne = fit.tidy().loc["d"]
    return Estimation(
        float(ligne["Estimate"]),
        float(ligne["2.5%"]),
        float(ligne["97.5%"]),
        float(ligne["Pr(>|t|)"]),
        inference,
    )


def twfe(panel: pd.DataFrame, pondere: bool) -> Estimation:
    """Two-way fixed effects (département, month); SEs clustered by département, t(G-1) intervals."""
    return _coefficient_d(
        _feols("y ~ d | dep + t", panel, pondere),
        "écarts-types groupés par département (CRV1), loi de Student à G-1 degrés de liberté",
    )


def _codes(valeurs: pd.Series) -> np.ndarray:
    return pd.factorize(valeurs)[0].astype(np.uintp)


def demeler(matrice: np.ndarray, panel: pd.DataFrame, pondere: bool) -> np.ndarray:
    """Remove département and month fixed effects (weighted when `pondere`), column by column."""
    from pyfixest.estimation import demean

    effets = np.column_stack([_codes(panel["dep"]), _codes(panel["t"])])
    poids = panel["w"].to_numpy(float) if pondere else np.ones(len(panel))
    resultat, converge = demean(np.asarray(matrice, dtype=float), effets, poids, tol=1e-10)
    if not converge:
        raise RuntimeError("les effets fixes n'ont pas convergé (panel déséquilibré ?)")
    return resultat


def inference_randomisation(
    panel: pd.DataFrame, pondere: bool, tirages: int = 999, graine: int = 20141001
) -> Estimation:
    """Randomisation inference: the estimate against the same estimate with the treated set drawn
    at random among the panel's départements (as many as the real one), same treated months.

    Valid with few treated clusters (about 20 here), where clustered analytic SEs over-reject.
    Cheap by linearity (Frisch-Waugh-Lovell): with e_g the indicator of département g in the
    treated months and ~ the two-way demeaning, a draw S has d~ = sum of e~_g over g in S, so
    its estimate is sum_S b_g / sum_S,S Q_gh with b_g = sum w e_g y~ and Q = E~' W E~: one
    demeaning of G + 1 columns, then 999 draws in matrix products.
    """
    codes, deps = pd.factorize(panel["dep"], sort=True)
    traites = np.flatnonzero(np.isin(deps, panel.loc[panel["d"] == 1, "dep"].unique()))
    fenetre = np.isin(panel["t"].to_numpy(), panel.loc[panel["d"] == 1, "t"].unique())
    poids = panel["w"].to_numpy(float) if pondere else np.ones(len(panel))
    e = np.zeros((len(panel), deps.size))
    e[np.flatnonzero(fenetre), codes[fenetre]] = 1.0
    demeles = demeler(np.column_stack([panel["y"].to_numpy(float), e]), panel, pondere)
    y, e = demeles[:, 0], demeles[:, 1:]
    q = e.T @ (poids[:, None] * e)

    def sommes(z: np.ndarray) -> np.ndarray:  # b_g for a demeaned outcome z
        return np.bincount(codes[fenetre], weights=(poids * z)[fenetre], minlength=deps.size)

    rng = np.random.default_rng(graine)
    tires = np.zeros((deps.size, tirages + 1))
    tires[traites, 0] = 1.0  # column 0: the real treated set
    for r in range(1, tirages + 1):
        tires[rng.choice(deps.size, size=traites.size, replace=False), r] = 1.0
    denominateurs = ((q @ tires) * tires).sum(axis=0)
    betas = (tires.T @ sommes(y)) / denominateurs
    observe, nuls = betas[0], betas[1:]
    # p-value: the sharp null of no effect anywhere, on the outcome as observed.
    p = (1 + np.sum(np.abs(nuls) >= abs(observe) - 1e-12)) / (1 + tirages)
    # Interval: the same draws on the outcome with the estimated effect taken out (a constant
    # effect is assumed). Left in, the effect would leak into the draws that overlap the real
    # treated set and widen the interval.
    d_observe = e[:, traites].sum(axis=1)
    ecarts = ((tires.T @ sommes(y - observe * d_observe)) / denominateurs)[1:]
    bas, haut = np.quantile(ecarts, [(1 - NIVEAU) / 2, (1 + NIVEAU) / 2])
    return Estimation(
        float(observe),
        float(observe - haut),
        float(observe - bas),
        float(p),
        f"inférence par randomisation ({tirages} tirages des départements traités)",
    )


def did2s(panel: pd.DataFrame, pondere: bool) -> Estimation:
    """Gardner's two-stage DiD (robust to staggered adoption and heterogeneous effects): fixed
    effects estimated on untreated observations only, then the effect on the residuals."""
    import pyfixest as pf

    fit = pf.did2s(
        panel,
        yname="y",
        first_stage="~ 0 | dep + t",
        second_stage="~ d",
        treatment="d",
        cluster="dep",
        weights="w" if pondere else None,
    )
    return _coefficient_d(fit, "did2s (Gardner), écarts-types groupés par département")


@dataclass(frozen=True)
class EtudeEvenement:
    coefficients: pd.DataFrame  # relatif, estimation, ic_bas, ic_haut
    p_pre_tendance: float
    nb_avances: int


def etude_evenement(
    panel: pd.DataFrame, pondere: bool, debut: int, avances: int, retards: int
) -> EtudeEvenement:
    """Leads and lags around the start month `debut` (month index): one coefficient per month
    relative to the start for treated départements, the month before the start as reference,
    leads beyond `avances` and lags beyond `retards` binned. Joint test that every lead is zero
    (Wald, F(q, G-1) with the clustered covariance)."""
    traite = panel.groupby("dep")["d"].transform("max").to_numpy() == 1
    relatif = np.clip(panel["t"].to_numpy() - debut, -avances, retards)
    donnees = panel.assign(relatif=np.where(traite, relatif, -1))
    fit = _feols("y ~ i(relatif, ref=-1) | dep + t", donnees, pondere)
    tableau = fit.tidy()
    rel = tableau.index.str.extract(r"relatif::(-?\d+)")[0].astype(int).to_numpy()
    coefficients = pd.DataFrame(
        {
            "relatif": rel,
            "estimation": tableau["Estimate"].to_numpy(),
            "ic_bas": tableau["2.5%"].to_numpy(),
            "ic_haut": tableau["97.5%"].to_numpy(),
        }
    ).sort_values("relatif")
    # Leads with no variance (an outcome that is zero everywhere before the start, like ASF
    # complémentaire) carry no information on pre-trends: left out of the test.
    vcov = fit._vcov
    avant = np.flatnonzero((rel <= -2) & (np.diag(vcov) > 0))
    if avant.size == 0:
        return EtudeEvenement(coefficients.reset_index(drop=True), float("nan"), 0)
    b = fit.coef().to_numpy()[avant]
    wald = float(b @ np.linalg.pinv(vcov[np.ix_(avant, avant)]) @ b) / avant.size
    grappes = panel["dep"].nunique()
    p = float(stats.f.sf(wald, avant.size, grappes - 1))
    return EtudeEvenement(coefficients.reset_index(drop=True), p, int(avant.size))
