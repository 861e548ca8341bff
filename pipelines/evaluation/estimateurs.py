"""Difference-in-differences estimators on a unit x period panel (here département x month).

Pure functions on a pandas frame with columns `dep` (unit, the cluster), `t` (period index, an
integer), `y` (outcome), `w` (weight: amounts due for a rate, 1 otherwise) and `d` (1 from the
unit's own adoption period on, absorbing: staggered starts are honoured everywhere). Libraries:
pyfixest for the fixed-effects regressions (TWFE with clustered standard errors, the saturated
event study, Gardner's did2s) and its Rust demeaning for randomisation inference and the wild
cluster bootstrap (both batched by Frisch-Waugh-Lovell); moderndid for Callaway-Sant'Anna and
Rambachan-Roth; pysyncon for the synthetic control (in synthetique.py).
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse, stats

NIVEAU = 0.95
PUISSANCE = 0.80
# Below this many treated clusters, analytic clustered SEs (and the wild bootstrap, MacKinnon and
# Webb 2017) are not reported: they give absurd certainty (one treated unit: SE 0).
MIN_GRAPPES_TRAITEES = 5
MAX_ENUMERATION = 20_000  # assignments enumerated exactly when there are at most this many


@dataclass(frozen=True)
class Estimation:
    estimation: float
    ic_bas: float
    ic_haut: float
    p_valeur: float
    inference: str
    erreur_type: float = float("nan")  # what the minimum detectable effect is computed from
    avertissement: str = ""

    @property
    def effet_minimum_detectable(self) -> float:
        """Smallest effect a two-sided 5 % test detects with 80 % power: (z_0.975 + z_0.80) x SE."""
        return (stats.norm.ppf((1 + NIVEAU) / 2) + stats.norm.ppf(PUISSANCE)) * self.erreur_type


def cohortes(panel: pd.DataFrame) -> pd.Series:
    """Each unit's adoption period, NaN if never treated: the column `g` when the frame has one
    (the reference start date: a unit with no observation in its first treated month must not
    look as if it started later), else the first `t` with d = 1. Refuses a treatment that
    switches off (every estimator here assumes an absorbing treatment) or contradicts `g`."""
    if "g" in panel:
        debut = panel.groupby("dep", sort=False)["g"].first()
        if not np.array_equal(panel["d"].to_numpy() == 1, panel["t"].to_numpy() >= panel["g"].fillna(np.inf)):
            raise ValueError("traitement incohérent avec la date de début (colonne g)")
        return debut.reindex(pd.unique(panel["dep"])).astype(float)
    traite = panel[panel["d"] == 1]
    debut = traite.groupby("dep")["t"].min()
    apres = panel["t"].to_numpy() >= panel["dep"].map(debut).to_numpy(float)
    if (apres & (panel["d"].to_numpy() == 0)).any():
        raise ValueError("traitement non absorbant : une unité traitée redevient non traitée")
    return debut.reindex(pd.unique(panel["dep"])).astype(float)


def nb_traites(panel: pd.DataFrame) -> int:
    return int(panel.loc[panel["d"] == 1, "dep"].nunique())


def _avertissement_peu_de_grappes(n: int) -> str:
    return (
        f"seulement {n} unité(s) traitée(s) : les écarts-types groupés analytiques ne sont pas fiables "
        f"sous {MIN_GRAPPES_TRAITEES} unités traitées ; lire l'inférence par randomisation exacte"
    )


def _feols(formule: str, panel: pd.DataFrame, pondere: bool):
    import pyfixest as pf

    # A coefficient with zero variance (see etude_evenement) makes pyfixest warn on its sqrt; an
    # event-study cell collinear with the fixed effects is dropped (it is then left out).
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.filterwarnings("ignore", message=".*dropped due to multicollinearity.*")
        return pf.feols(formule, data=panel, weights="w" if pondere else None, vcov={"CRV1": "dep"})


def _coefficient_d(fit, inference: str, n_traites: int) -> Estimation:
    """The treatment coefficient of a pyfixest fit, with its 95 % interval and p-value; refused
    (NaN interval, a warning) with too few treated clusters."""
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # sqrt of a zero-variance coefficient
        ligne = fit.tidy().loc["d"]
    if n_traites < MIN_GRAPPES_TRAITEES:
        nan = float("nan")
        return Estimation(
            float(ligne["Estimate"]), nan, nan, nan, inference, nan, _avertissement_peu_de_grappes(n_traites)
        )
    return Estimation(
        float(ligne["Estimate"]),
        float(ligne["2.5%"]),
        float(ligne["97.5%"]),
        float(ligne["Pr(>|t|)"]),
        inference,
        float(ligne["Std. Error"]),
    )


def twfe(panel: pd.DataFrame, pondere: bool) -> Estimation:
    """Two-way fixed effects (unit, period); SEs clustered by unit, t(G-1) intervals."""
    return _coefficient_d(
        _feols("y ~ d | dep + t", panel, pondere),
        "écarts-types groupés par département (CRV1), loi de Student à G-1 degrés de liberté",
        nb_traites(panel),
    )


def _codes(valeurs: pd.Series) -> np.ndarray:
    return pd.factorize(valeurs)[0].astype(np.uintp)


def demeler(matrice: np.ndarray, panel: pd.DataFrame, pondere: bool) -> np.ndarray:
    """Remove unit and period fixed effects (weighted when `pondere`), column by column."""
    from pyfixest.estimation import demean

    effets = np.column_stack([_codes(panel["dep"]), _codes(panel["t"])])
    poids = panel["w"].to_numpy(float) if pondere else np.ones(len(panel))
    resultat, converge = demean(np.asarray(matrice, dtype=float), effets, poids, tol=1e-10)
    if not converge:
        raise RuntimeError("les effets fixes n'ont pas convergé (panel déséquilibré ?)")
    return resultat


# --- Randomisation inference --------------------------------------------------------------


def _affectations(etiquettes: np.ndarray, tirages: int, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    """Assignments of the observed cohort labels (0 = never treated, 1..K) to the units, as rows
    of a (draws x units) array; row 0 is the real one. Every distinct assignment when there are at
    most MAX_ENUMERATION of them (exact test), else `tirages` random permutations."""
    comptes = np.bincount(etiquettes)
    total = math.factorial(etiquettes.size)
    for c in comptes:
        total //= math.factorial(int(c))
    if total <= MAX_ENUMERATION:
        lignes = [etiquettes]
        unites = np.arange(etiquettes.size)
        for choix in _repartitions(list(unites), [int(c) for c in comptes[1:]]):
            a = np.zeros(etiquettes.size, dtype=int)
            for k, groupe in enumerate(choix, start=1):
                a[list(groupe)] = k
            if not np.array_equal(a, etiquettes):
                lignes.append(a)
        return np.array(lignes), True
    lignes = [etiquettes] + [rng.permutation(etiquettes) for _ in range(tirages)]
    return np.array(lignes), False


def _repartitions(unites: list[int], tailles: list[int]):
    """Every way to pick disjoint groups of the given sizes among `unites` (cohort 1, 2, ...)."""
    if not tailles:
        yield ()
        return
    for groupe in itertools.combinations(unites, tailles[0]):
        reste = [u for u in unites if u not in groupe]
        for suite in _repartitions(reste, tailles[1:]):
            yield (groupe, *suite)


@dataclass(frozen=True)
class Randomisation:
    estimation: Estimation
    nuls: np.ndarray  # the statistic under each non-real assignment, outcome as observed
    exacte: bool


def _inverser(observe: float, a: np.ndarray, c: np.ndarray, alpha: float) -> tuple[float, float]:
    """The set of tau0 not rejected at `alpha`, for the test whose statistic under assignment r is
    a_r - tau0 c_r (real one: observe - tau0): p(tau0) = (1 + #{|a_r - tau0 c_r| >= |observe -
    tau0|}) / (1 + R). Each comparison changes sign only at the roots of a quadratic in tau0, so
    p is piecewise constant between the sorted roots: evaluated exactly between each pair.
    Returns the hull of the accepted set (+-inf when accepted at infinity)."""
    # (a - t c)^2 - (o - t)^2 = (c^2 - 1) t^2 - 2 (a c - o) t + (a^2 - o^2)
    qa, qb, qc = c * c - 1.0, -2.0 * (a * c - observe), a * a - observe * observe
    racines = []
    lin = np.abs(qa) < 1e-12
    racines.append(-qc[lin & (np.abs(qb) > 0)] / qb[lin & (np.abs(qb) > 0)])
    delta = qb * qb - 4 * qa * qc
    ok = ~lin & (delta >= 0)
    s = np.sqrt(delta[ok])
    racines += [(-qb[ok] - s) / (2 * qa[ok]), (-qb[ok] + s) / (2 * qa[ok])]
    r = np.unique(np.concatenate([*racines, np.array([observe])]))
    ecart = max(1.0, float(np.abs(r).max()))
    points = np.concatenate([[r[0] - ecart], (r[:-1] + r[1:]) / 2, [r[-1] + ecart], r])
    p = np.empty(points.size)
    for debut in range(0, points.size, 1000):  # in blocks: up to 60 000 points x 20 000 draws
        x = points[debut : debut + 1000]
        stat = np.abs(a[None, :] - x[:, None] * c[None, :]) >= np.abs(observe - x)[:, None] - 1e-12
        p[debut : debut + x.size] = (1 + stat.sum(axis=1)) / (1 + a.size)
    acceptes = points[p > alpha]
    if acceptes.size == 0:
        return observe, observe
    # Beyond every root nothing changes: the two end points stand for -inf and +inf.
    bas = -np.inf if p[0] > alpha else float(acceptes.min())
    haut = np.inf if p[r.size] > alpha else float(acceptes.max())
    return bas, haut


def randomisation(
    panel: pd.DataFrame, pondere: bool, tirages: int = 999, graine: int = 20141001
) -> Randomisation:
    """Randomisation inference for the TWFE coefficient under staggered adoption: the units'
    adoption dates (never-treated included) are permuted across units, so each draw has as many
    units starting at each date as the real design, and every treated unit keeps a real start
    date. Exact (every assignment) when there are at most MAX_ENUMERATION of them.

    Cheap by linearity (Frisch-Waugh-Lovell): with E_gk the indicator "unit g, period >= date k"
    and ~ the two-way demeaning, an assignment s (one column (g, k) per treated unit) has
    d~ = sum_s E~_gk, so its estimate is sum_s b_gk / s'Qs with b_gk = E_gk' W y~ and
    Q = E' W E~: one demeaning of G x K + 1 columns, then every draw in matrix products.

    The interval inverts the test of H0: a constant effect tau0 on the treated observations
    (outcome y - tau0 d), exactly (see _inverser): it never contradicts the p-value."""
    debut = cohortes(panel)
    unites = debut.index.to_numpy()
    dates = np.sort(debut.dropna().unique())
    etiquettes = np.zeros(unites.size, dtype=int)
    etiquettes[debut.notna().to_numpy()] = np.searchsorted(dates, debut.dropna().to_numpy()) + 1
    codes = pd.Index(unites).get_indexer(panel["dep"])
    t = panel["t"].to_numpy()
    g, k = unites.size, dates.size
    poids = panel["w"].to_numpy(float) if pondere else np.ones(len(panel))
    # Column (g, j) for j in 0..K-1: unit g treated from dates[j]; only its rows can be nonzero.
    lignes = np.repeat(np.arange(len(panel)), k)
    colonnes = (codes[:, None] * k + np.arange(k)[None, :]).ravel()
    valeurs = (t[:, None] >= dates[None, :]).ravel().astype(float)
    e = sparse.csc_matrix((valeurs, (lignes, colonnes)), shape=(len(panel), g * k))
    demeles = demeler(np.column_stack([panel["y"].to_numpy(float), e.toarray()]), panel, pondere)
    y = demeles[:, 0]
    b = e.T @ (poids * y)
    q = np.asarray(e.T @ (poids[:, None] * demeles[:, 1:]))

    rng = np.random.default_rng(graine)
    affectations, exacte = _affectations(etiquettes, tirages, rng)
    # Selection matrix (G x K, draws): 1 at (g, label - 1) for every treated unit of the draw.
    s = np.zeros((g * k, affectations.shape[0]))
    r_idx, u_idx = np.nonzero(affectations)
    s[u_idx * k + affectations[r_idx, u_idx] - 1, r_idx] = 1.0
    qs = q @ s
    denominateurs = (qs * s).sum(axis=0)
    betas = (s.T @ b) / denominateurs
    observe, nuls = float(betas[0]), betas[1:]
    c = (qs[:, 1:] * s[:, [0]]).sum(axis=0) / denominateurs[1:]  # s_r' Q s_0 / s_r' Q s_r
    n = int((etiquettes > 0).sum())
    if nuls.size == 0:
        p, bas, haut = 1.0, -np.inf, np.inf
    else:
        p = float((1 + np.sum(np.abs(nuls) >= abs(observe) - 1e-12)) / (1 + nuls.size))
        bas, haut = _inverser(observe, nuls, c, 1 - NIVEAU)
    alerte = ""
    if 1 / (1 + nuls.size) > 1 - NIVEAU:
        alerte = (
            f"{1 + nuls.size} affectations possibles seulement : aucun effet ne peut être significatif "
            "à 5 % avec ce plan, quelles que soient les données"
        )
    elif n < MIN_GRAPPES_TRAITEES:
        alerte = f"{n} unité(s) traitée(s) : inférence exacte par randomisation, puissance faible"
    quoi = (
        f"exacte, les {1 + nuls.size} affectations des dates de début"
        if exacte
        else f"{nuls.size} permutations des dates de début entre unités"
    )
    return Randomisation(
        Estimation(
            observe,
            float(bas),
            float(haut),
            p,
            f"inférence par randomisation ({quoi}) ; IC par inversion du test",
            float(np.std(nuls)) if nuls.size else float("nan"),
            alerte,
        ),
        nuls,
        exacte,
    )


def inference_randomisation(
    panel: pd.DataFrame, pondere: bool, tirages: int = 999, graine: int = 20141001
) -> Estimation:
    return randomisation(panel, pondere, tirages, graine).estimation


# --- Wild cluster bootstrap -----------------------------------------------------------------

_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def bootstrap_sauvage(
    panel: pd.DataFrame, pondere: bool, tirages: int = 999, graine: int = 20141001
) -> Estimation:
    """Wild cluster restricted bootstrap (WCR, Webb six-point weights) of the TWFE t-statistic,
    p-value and interval by test inversion, weights allowed (what pyfixest's wildboottest refuses).

    By Frisch-Waugh-Lovell everything is a cluster sum: with d~, y~ demeaned, under H0: tau0 the
    restricted residual is u = y~ - tau0 d~; a draw v_g gives the score of cluster g
    v_g A_g + (tau0 - b*) D_g with A_g = sum w d~ u, D_g = sum w d~^2, b* = tau0 + sum v A / sum D.
    Refused with fewer than MIN_GRAPPES_TRAITEES treated clusters (it over- or under-rejects)."""
    n = nb_traites(panel)
    libelle = f"bootstrap sauvage groupé restreint ({tirages} tirages, poids de Webb) ; IC par inversion"
    demeles = demeler(
        np.column_stack([panel["y"].to_numpy(float), panel["d"].to_numpy(float)]), panel, pondere
    )
    y, d = demeles[:, 0], demeles[:, 1]
    poids = panel["w"].to_numpy(float) if pondere else np.ones(len(panel))
    codes, _ = pd.factorize(panel["dep"])
    sdd = np.bincount(codes, weights=poids * d * d)
    sdy = np.bincount(codes, weights=poids * d * y)
    beta = sdy.sum() / sdd.sum()
    if n < MIN_GRAPPES_TRAITEES:
        nan = float("nan")
        return Estimation(float(beta), nan, nan, nan, libelle, nan, _avertissement_peu_de_grappes(n))
    v = np.random.default_rng(graine).choice(_WEBB, size=(tirages, sdd.size))

    def t_stat(tau0: float) -> tuple[float, np.ndarray]:
        a = sdy - tau0 * sdd  # A_g with u = y~ - tau0 d~
        scores_obs = a - (beta - tau0) * sdd
        t_obs = (beta - tau0) / np.sqrt(np.sum(scores_obs**2)) * sdd.sum()
        va = v * a[None, :]
        b_etoile = va.sum(axis=1) / sdd.sum()  # b* - tau0
        scores = va - b_etoile[:, None] * sdd[None, :]
        return t_obs, b_etoile / np.sqrt(np.sum(scores**2, axis=1)) * sdd.sum()

    def p(tau0: float) -> float:
        t_obs, t_b = t_stat(tau0)
        return float((1 + np.sum(np.abs(t_b) >= abs(t_obs))) / (1 + tirages))

    # CRV1 scale for the bisection brackets.
    scores = sdy - beta * sdd
    se = np.sqrt(np.sum(scores**2)) / sdd.sum()
    alpha = 1 - NIVEAU

    def borne(signe: int) -> float:
        dedans, dehors = beta, beta + signe * 4 * se
        while p(dehors) > alpha and abs(dehors - beta) < 1e3 * se:
            dehors = beta + 2 * (dehors - beta)
        for _ in range(50):
            milieu = (dedans + dehors) / 2
            if p(milieu) > alpha:
                dedans = milieu
            else:
                dehors = milieu
        return (dedans + dehors) / 2

    bas, haut = borne(-1), borne(+1)
    return Estimation(float(beta), bas, haut, p(0.0), libelle, (haut - bas) / (2 * stats.norm.ppf(0.975)))


# --- Gardner's two-stage DiD ----------------------------------------------------------------


def did2s(panel: pd.DataFrame, pondere: bool) -> Estimation:
    """Gardner's two-stage DiD (robust to staggered adoption and heterogeneous effects): fixed
    effects estimated on untreated observations only, then the effect on the residuals.

    Guarded: units with no untreated observation and periods where every unit is treated have
    no first-stage fixed effect: they are left out (said in the warning). pyfixest's first stage
    drops singleton fixed effects (a cohort with a single pre-period, as in mpdta) while its
    second stage and covariance keep them, and then fails on mismatched shapes: the first stage is
    run here with fixef_rm="none" (a singleton's effect is identified, its residual is zero)."""
    import importlib

    import pyfixest as pf

    # The module, not the function `pyfixest.did.did2s` that shadows it as an attribute.
    module = importlib.import_module("pyfixest.did.did2s")
    non_traites = panel[panel["d"] == 0]
    gardes = panel["dep"].isin(non_traites["dep"]) & panel["t"].isin(non_traites["t"])
    exclus = panel.loc[~gardes, "dep"].nunique()
    donnees = panel[gardes].reset_index(drop=True)
    origine = module.feols

    def premiere_etape(*args, **kwargs):
        kwargs.setdefault("fixef_rm", "none")
        return origine(*args, **kwargs)

    module.feols = premiere_etape
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            fit = pf.did2s(
                donnees,
                yname="y",
                first_stage="~ 0 | dep + t",
                second_stage="~ d",
                treatment="d",
                cluster="dep",
                weights="w" if pondere else None,
            )
    finally:
        module.feols = origine
    e = _coefficient_d(fit, "did2s (Gardner), écarts-types groupés par département", nb_traites(donnees))
    if exclus:
        note = f"{(~gardes).sum()} observations sans effet fixe de première étape exclues"
        e = Estimation(**{**e.__dict__, "avertissement": "; ".join(x for x in (e.avertissement, note) if x)})
    return e


# --- Event study (Sun and Abraham) ------------------------------------------------------------


@dataclass(frozen=True)
class EtudeEvenement:
    coefficients: pd.DataFrame  # relatif, estimation, ic_bas, ic_haut
    p_pre_tendance: float
    nb_avances: int
    vcov: np.ndarray  # of coefficients["estimation"], same order


def etude_evenement(panel: pd.DataFrame, pondere: bool, avances: int, retards: int) -> EtudeEvenement:
    """Interaction-weighted event study (Sun and Abraham 2021): one coefficient per adoption
    cohort x period relative to the unit's OWN start (leads beyond `avances`, lags beyond `retards`
    binned; -1 the reference; never-treated units are the controls), then per relative period the
    average over cohorts weighted by their share of the treated observations at that period
    (delta method for the covariance). With one start date this is the usual event study.
    Joint test that every lead is zero (Wald, F(q, G-1) with the clustered covariance)."""
    debut = panel["dep"].map(cohortes(panel)).to_numpy(float)
    traite = np.isfinite(debut)
    relatif = np.where(traite, np.clip(panel["t"].to_numpy() - np.nan_to_num(debut), -avances, retards), -1)
    cohorte = np.where(traite, np.nan_to_num(debut), -1).astype(int)
    cellules = sorted(
        {(int(c), int(r)) for c, r in zip(cohorte[traite], relatif[traite], strict=True) if r != -1}
    )
    noms = [f"c{i}" for i in range(len(cellules))]
    colonnes = {
        nom: ((cohorte == c) & (relatif == r)).astype(float)
        for nom, (c, r) in zip(noms, cellules, strict=True)
    }
    donnees = pd.concat([panel, pd.DataFrame(colonnes, index=panel.index)], axis=1)
    fit = _feols("y ~ " + " + ".join(noms) + " | dep + t", donnees, pondere)
    coef = fit.coef()
    gardes = [i for i, nom in enumerate(noms) if nom in coef.index]
    b = coef.reindex([noms[i] for i in gardes]).to_numpy()
    v_complet = pd.DataFrame(fit._vcov, index=coef.index, columns=coef.index)
    v = v_complet.loc[[noms[i] for i in gardes], [noms[i] for i in gardes]].to_numpy()
    # Cohort shares among treated observations at each relative period.
    parts = (
        pd.Series(1.0, index=pd.MultiIndex.from_arrays([cohorte[traite], relatif[traite]]))
        .groupby(level=[0, 1])
        .sum()
    )
    periodes = sorted({cellules[i][1] for i in gardes})
    r_mat = np.zeros((len(periodes), len(gardes)))
    for j, i in enumerate(gardes):
        c, r = cellules[i]
        r_mat[periodes.index(r), j] = parts.loc[(c, r)]
    r_mat /= r_mat.sum(axis=1, keepdims=True)
    est_ = r_mat @ b
    vcov = r_mat @ v @ r_mat.T
    se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    grappes = panel["dep"].nunique()
    crit = stats.t.ppf((1 + NIVEAU) / 2, grappes - 1)
    coefficients = pd.DataFrame(
        {"relatif": periodes, "estimation": est_, "ic_bas": est_ - crit * se, "ic_haut": est_ + crit * se}
    )
    # Leads with no variance (an outcome that is zero everywhere before the start, like ASF
    # complémentaire) carry no information on pre-trends: left out of the test.
    rel = np.array(periodes)
    avant = np.flatnonzero((rel <= -2) & (np.diag(vcov) > 1e-20))
    if avant.size == 0:
        return EtudeEvenement(coefficients, float("nan"), 0, vcov)
    ba = est_[avant]
    wald = float(ba @ np.linalg.pinv(vcov[np.ix_(avant, avant)]) @ ba) / avant.size
    p = float(stats.f.sf(wald, avant.size, grappes - 1))
    return EtudeEvenement(coefficients, p, int(avant.size), vcov)


def moyenne_post(etude: EtudeEvenement, pondere_par: np.ndarray | None = None) -> Estimation:
    """The average of the post-period event-study coefficients (0 and after), with its CI."""
    rel = etude.coefficients["relatif"].to_numpy()
    post = rel >= 0
    lvec = post / post.sum() if pondere_par is None else pondere_par
    b = float(lvec @ etude.coefficients["estimation"].to_numpy())
    se = float(np.sqrt(lvec @ etude.vcov @ lvec))
    z = stats.norm.ppf((1 + NIVEAU) / 2)
    return Estimation(b, b - z * se, b + z * se, float(2 * stats.norm.sf(abs(b / se))), "", se)


# --- Callaway and Sant'Anna -----------------------------------------------------------------


def _equilibrer(panel: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The units observed in every period (moderndid 0.2.0's unbalanced-panel path fails on a
    panel=True frame), and how many units were left out."""
    periodes = panel["t"].nunique()
    complets = panel.groupby("dep")["t"].transform("nunique") == periodes
    return panel[complets], int(panel.loc[~complets, "dep"].nunique())


def _cs(panel: pd.DataFrame, pondere: bool, temoins: str):
    import moderndid as md

    debut = cohortes(panel)
    donnees = panel.assign(
        g=panel["dep"].map(debut.fillna(0)).astype(int),
        id=pd.factorize(panel["dep"])[0] + 1,
        wu=panel.groupby("dep")["w"].transform("mean") if pondere else 1.0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return md.att_gt(
            donnees[["id", "t", "y", "g", "wu"]],
            yname="y",
            tname="t",
            idname="id",
            gname="g",
            weightsname="wu" if pondere else None,
            est_method="reg",
            control_group=temoins,
            boot=False,
            cband=False,
            random_state=1,
        )


def att_gt(panel: pd.DataFrame, pondere: bool, temoins: str = "nevertreated") -> pd.DataFrame:
    """Callaway and Sant'Anna's ATT(g, t), indexed by (cohort, period)."""
    r = _cs(panel, pondere, temoins)
    return pd.DataFrame(
        {
            "g": np.asarray(r.groups),
            "t": np.asarray(r.times),
            "att": np.asarray(r.att_gt),
            "se": np.asarray(r.se_gt),
        }
    ).set_index(["g", "t"])


def callaway_santanna(panel: pd.DataFrame, pondere: bool, temoins: str = "nevertreated") -> Estimation:
    """Callaway and Sant'Anna (2021) through moderndid: ATT(g, t) with never-treated
    (`nevertreated`) or not-yet-treated (`notyettreated`) controls, outcome regression, aggregated
    into the overall ATT (simple aggregation), analytic SEs clustered by unit. Their weights are
    per unit: a weighted panel uses each unit's mean weight. On an unbalanced panel (a rate
    undefined in some month) only the units observed in every period are used (said in the
    warning)."""
    import moderndid as md

    complet, exclus = _equilibrer(panel)
    note = f"{exclus} unité(s) sans toutes les périodes exclue(s) (panel équilibré requis)" if exclus else ""
    n = nb_traites(complet)
    libelle = (
        "Callaway et Sant'Anna (moderndid), témoins "
        + ("jamais traités" if temoins == "nevertreated" else "pas encore traités")
        + ", ATT global, écarts-types analytiques"
    )
    nan = float("nan")
    if n == 0 or complet["dep"].nunique() == n:
        return Estimation(nan, nan, nan, nan, libelle, nan, "; ".join(x for x in (note, "non calculé") if x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agrege = md.aggte(_cs(complet, pondere, temoins), type="simple", boot=False, cband=False)
    b, se = float(agrege.overall_att), float(agrege.overall_se)
    z = stats.norm.ppf((1 + NIVEAU) / 2)
    if n < MIN_GRAPPES_TRAITEES:
        alerte = "; ".join(x for x in (note, _avertissement_peu_de_grappes(n)) if x)
        return Estimation(b, nan, nan, nan, libelle, nan, alerte)
    return Estimation(b, b - z * se, b + z * se, float(2 * stats.norm.sf(abs(b / se))), libelle, se, note)


# --- Rambachan and Roth ---------------------------------------------------------------------


def sensibilite_tendances(etude: EtudeEvenement, m: float = 0.0) -> Estimation:
    """Honest DiD (Rambachan and Roth 2023, moderndid): a 95 % interval for the average post-period
    effect when the treated-control difference in trends may deviate from parallel: under the
    smoothness restriction Delta^SD(M) the differential trend may continue the linear trend seen
    before the start, its slope changing by at most `m` per period (M = 0: any linear pre-trend
    extrapolated). Fixed-length confidence interval (FLCI). The relative-magnitudes bound was tried
    first: on monthly data it is driven by month-to-month noise of the leads (M-bar = 1 gives
    +-1 on a rate) and costs 45 s per outcome."""
    from moderndid import create_sensitivity_results_sm

    rel = etude.coefficients["relatif"].to_numpy()
    libelle = f"Rambachan et Roth (moderndid), restriction de régularité M = {m:g}"
    nan = float("nan")
    variance = np.diag(etude.vcov)
    if (rel <= -2).sum() < 1 or (rel >= 0).sum() < 1 or not (variance[rel <= -2] > 1e-20).any():
        return Estimation(nan, nan, nan, nan, libelle, nan, "non calculé : pas d'avance informative")
    garde = rel != -1
    b = etude.coefficients["estimation"].to_numpy()[garde]
    sigma = etude.vcov[np.ix_(garde, garde)]
    n_pre, n_post = int((rel[garde] < 0).sum()), int((rel[garde] >= 0).sum())
    lvec = np.full(n_post, 1.0 / n_post)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = create_sensitivity_results_sm(
                betahat=b,
                sigma=sigma,
                num_pre_periods=n_pre,
                num_post_periods=n_post,
                method="FLCI",
                m_vec=np.array([m]),
                l_vec=lvec,
            )
    except Exception as err:  # its optimiser gives up on degenerate covariances (leads all zero)
        return Estimation(nan, nan, nan, nan, libelle, nan, f"non calculé : {err}")
    ligne = res.row(0, named=True) if hasattr(res, "row") else res.iloc[0]
    # The FLCI is centred on its own affine estimator: the midpoint is the robust estimate.
    return Estimation(
        (float(ligne["lb"]) + float(ligne["ub"])) / 2,
        float(ligne["lb"]),
        float(ligne["ub"]),
        float("nan"),
        f"{libelle} (estimation : centre de l'intervalle) : une tendance différentielle linéaire vue "
        "avant le début peut se prolonger après ; IC de longueur fixe (FLCI) de l'effet moyen",
    )
