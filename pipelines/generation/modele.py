"""The behaviour model behind the demo extracts (vectorised numpy, no per-row Python loops).

Orders of magnitude come from ../shared/domain.md: about 47 000 active procedures nationally in
2019 for 68 million inhabitants, a recovery rate near 65 %, a monthly pension near 170 EUR per child.
They are defaults of this model, not published truths about any one Caf.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl

# Active procedures per inhabitant (47 000 / 68.35 million, domain.md "Headline figures").
PROCEDURES_ACTIVES_PAR_HABITANT = 47_000 / 68_350_798
DUREE_MOYENNE_MOIS = 30.0  # mean life of a procedure; sets entries = stock / duration
HISTORIQUE_MOIS = 48  # engagements simulated before the first month exported

TYPES_PROCEDURE = np.array(["RA", "PDE", "SAISIE", "FORCE", "IF"])
PART_TYPES = np.array([0.45, 0.22, 0.08, 0.07, 0.18])
# Probability that the débiteur pays in a given month, by procedure type (PDE and intermediation,
# where a third party or the Caf holds the funds, pay more often than an amicable recovery).
PROPENSION_TYPE = np.array([0.55, 0.80, 0.75, 0.45, 0.85])
TYPE_VERSEMENT = np.array(["VIR", "PDE", "RP", "CHQ", "IF"])
PROVENANCE = np.array(["DEBITEUR", "TIERS", "CAF", "DEBITEUR", "DEBITEUR"])

MOTIFS_CLOTURE = np.array(["SOLDE", "REPRISE", "INSOLV", "AUTRE"])
PART_MOTIFS = np.array([0.40, 0.30, 0.18, 0.12])

# Plateaux de jumelage (seed 000): part of the cases of the first Caf are managed by the second.
JUMELAGES = {"061": "901", "781": "371"}
PART_JUMELEE = 0.4


@dataclass(frozen=True)
class Parametres:
    graine: int
    debut: date  # first month exported (first day)
    fin: date  # last month exported (first day)
    cafs: tuple[str, ...]  # Cafs de résidence to simulate
    population: dict[str, int] = field(default_factory=dict)


def mois_index(jour: date) -> int:
    return jour.year * 12 + jour.month - 1


def date_du_mois(index: np.ndarray, jour: np.ndarray) -> np.ndarray:
    """numpy datetime64[D] for day `jour` of month index `index` (year*12 + month-1)."""
    annee, mois = np.divmod(index, 12)
    premier = (annee - 1970) * 12 + mois
    return premier.astype("datetime64[M]").astype("datetime64[D]") + (jour - 1).astype("timedelta64[D]")


def simuler_procedures(p: Parametres, rng: np.random.Generator) -> pl.DataFrame:
    """One row per procedure engaged up to the last month, with its state at that month's end."""
    m_debut, m_fin = mois_index(p.debut), mois_index(p.fin)
    m_origine = m_debut - HISTORIQUE_MOIS
    nb_mois = m_fin - m_origine + 1

    pop = np.array([p.population[c] for c in p.cafs], dtype=float)
    entrees_par_mois = pop * PROCEDURES_ACTIVES_PAR_HABITANT / DUREE_MOYENNE_MOIS
    nb = rng.poisson(entrees_par_mois * nb_mois)
    caf_residence = np.repeat(np.array(p.cafs), nb)
    n = int(nb.sum())

    m_engagement = rng.integers(m_origine, m_fin + 1, size=n)
    jour_engagement = rng.integers(1, 29, size=n)
    engagement = date_du_mois(m_engagement, jour_engagement)
    # Life span in days; a closure after the last month's end means still open at extraction.
    duree_jours = np.ceil(rng.exponential(DUREE_MOYENNE_MOIS * 30.4, size=n)).astype("timedelta64[D]")
    cloture = engagement + np.maximum(duree_jours, np.timedelta64(20, "D"))
    fin_extraction = date_du_mois(np.array([m_fin + 1]), np.array([1]))[0] - np.timedelta64(1, "D")
    ouverte = cloture > fin_extraction

    type_idx = rng.choice(len(TYPES_PROCEDURE), size=n, p=PART_TYPES)
    recent = engagement > fin_extraction - np.timedelta64(60, "D")
    simulation = ouverte & recent & (rng.random(n) < 0.15)
    definitif = ~recent | (rng.random(n) < 0.3)
    stade = np.where(~ouverte, "CLO", np.where(simulation, "SIM", np.where(definitif, "DEF", "ENG")))
    passage_definitif = np.where(
        (stade == "DEF") | ((stade == "CLO") & (duree_jours > np.timedelta64(60, "D"))),
        engagement + rng.integers(20, 60, size=n).astype("timedelta64[D]"),
        np.datetime64("NaT"),
    )
    motif = rng.choice(MOTIFS_CLOTURE, size=n, p=PART_MOTIFS)
    motif = np.where(
        TYPES_PROCEDURE[type_idx] == "SAISIE", np.where(rng.random(n) < 0.3, "DEFAIL", motif), motif
    )

    enfants = rng.choice([1, 2, 3], size=n, p=[0.55, 0.32, 0.13])
    tc = np.round(enfants * rng.lognormal(np.log(165.0), 0.35, size=n), 2)

    caf_gestionnaire = caf_residence.copy()
    for residence, gestionnaire in JUMELAGES.items():
        jumelee = (caf_residence == residence) & (rng.random(n) < PART_JUMELEE)
        caf_gestionnaire[jumelee] = gestionnaire

    matricules = rng.choice(np.arange(1_000_000, 9_999_999), size=2 * n, replace=False)
    ordre = np.argsort(engagement, kind="stable")  # procedure numbers grow with engagement date
    numero = np.empty(n, dtype=np.int64)
    numero[ordre] = np.arange(n)

    return pl.DataFrame(
        {
            "procedure_id": np.char.add("P", np.char.zfill(numero.astype(str), 8)),
            "cle_creancier": matricules[:n].astype(str),
            "cle_debiteur": matricules[n:].astype(str),
            "code_caf_gestionnaire": caf_gestionnaire,
            "code_caf_residence": caf_residence,
            "code_procedure": TYPES_PROCEDURE[type_idx],
            "stade": stade,
            "date_engagement": engagement,
            "date_passage_definitif": passage_definitif.astype("datetime64[D]"),
            "date_cloture": np.where(ouverte, np.datetime64("NaT"), cloture).astype("datetime64[D]"),
            "motif_cloture": pl.Series(motif, dtype=pl.String).scatter(np.flatnonzero(ouverte), None),
            "montant_mensuel_tc": tc,
            "_propension": PROPENSION_TYPE[type_idx] * rng.beta(6, 2, size=n) / (6 / 8),
            "_type_idx": type_idx,
        }
    ).sort("procedure_id")


def simuler_versements(procedures: pl.DataFrame, p: Parametres, rng: np.random.Generator) -> pl.DataFrame:
    """Monthly payments on the procedures, ventilated over the components.

    The TC of a month is paid first and never beyond what is due that month (the ventilation
    rule): any surplus goes to pension arrears, ASFR, then fees.
    """
    m_debut, m_fin = mois_index(p.debut), mois_index(p.fin)
    actives = procedures.filter(pl.col("stade") != "SIM")
    eng = actives["date_engagement"].to_numpy().astype("datetime64[M]").astype(int) + 1970 * 12
    clo = actives["date_cloture"].to_numpy().astype("datetime64[M]")
    clo = np.where(np.isnat(clo), np.iinfo(np.int64).max, clo.astype(int) + 1970 * 12)
    premier = np.maximum(eng, m_debut)
    dernier = np.minimum(clo - 1, m_fin)  # closure month: no TC due (documented in the marts)
    nb = np.maximum(dernier - premier + 1, 0)
    idx = np.repeat(np.arange(actives.height), nb)
    decalage = np.arange(idx.size) - np.repeat(np.cumsum(nb) - nb, nb)
    mois = premier[idx] + decalage

    # Payment probability: procedure propensity, a Caf effect, December and summer dips.
    cafs = actives["code_caf_gestionnaire"].to_numpy()
    codes, caf_pos = np.unique(cafs, return_inverse=True)
    effet_caf = rng.normal(1.0, 0.08, size=codes.size)
    saison = np.ones(12)
    saison[[6, 7, 11]] = [0.93, 0.90, 0.92]
    propension = actives["_propension"].to_numpy()[idx] * effet_caf[caf_pos[idx]] * saison[mois % 12]
    paie = rng.random(idx.size) < np.clip(propension, 0.02, 0.97)

    idx, mois = idx[paie], mois[paie]
    k = idx.size
    tc_du = actives["montant_mensuel_tc"].to_numpy()[idx]
    complet = rng.random(k) < 0.85
    tc = np.round(np.where(complet, tc_du, tc_du * rng.uniform(0.3, 0.9, size=k)), 2)
    arrieres = np.round(np.where(rng.random(k) < 0.30, tc_du * rng.uniform(0.1, 0.6, size=k), 0.0), 2)
    asfr = np.round(np.where(rng.random(k) < 0.20, rng.uniform(20.0, 120.0, size=k), 0.0), 2)
    fg = np.round(np.where(rng.random(k) < 0.03, rng.uniform(5.0, 40.0, size=k), 0.0), 2)
    fj = np.zeros(k)
    type_idx = actives["_type_idx"].to_numpy()[idx]

    jour = rng.integers(1, 29, size=k)
    ordre = np.lexsort((actives["procedure_id"].to_numpy()[idx], jour, mois))
    numero_dans_mois = np.arange(k) - np.searchsorted(mois[ordre], mois[ordre])
    annee, mm = np.divmod(mois[ordre], 12)
    versement_id = np.char.add(
        np.char.add(np.char.add("V", annee.astype(str)), np.char.zfill((mm + 1).astype(str), 2)),
        np.char.zfill(numero_dans_mois.astype(str), 7),
    )
    o = ordre
    return pl.DataFrame(
        {
            "versement_id": versement_id,
            "procedure_id": actives["procedure_id"].to_numpy()[idx][o],
            "date_valeur": date_du_mois(mois[o], jour[o]),
            "montant": np.round(tc + arrieres + asfr + fg + fj, 2)[o],
            "type_versement": TYPE_VERSEMENT[type_idx][o],
            "provenance": PROVENANCE[type_idx][o],
            "montant_tc": tc[o],
            "montant_asfr": asfr[o],
            "montant_arrieres_pa": arrieres[o],
            "montant_fj": fj[o],
            "montant_fg": fg[o],
            "_mois": mois[o],
        }
    )
