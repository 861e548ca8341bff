"""Events in the life of a seizure on benefits (seed 002, « Évolution de la saisie »).

Rules applied, so that the events and the procedures extract agree:
- no benefit paid -> a DEFAIL signal; the first 3 are filed (SFG), the 4th closes the procedure:
  a seizure closed for DEFAIL has exactly 4 signals, the 4th on its closure date; any other
  seizure has at most 3;
- a suspension of benefits over 3 months stops the seizure: a seizure closed for SUSP has a
  suspension of 4 to 12 months that started 3 months (91 days) before the closure; any other
  suspension lasts 1 to 3 months and the seizure goes on;
- PRP below the pension due stops it: a PRP_INSUFFISANT event on the closure date of the
  seizures closed for PRP.
Only events dated in the exported months are returned.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.generation.modele import Parametres, identifiant_enfant, mois_index_de

DELAI_SUSPENSION_J = 91  # three months: the validity of oppositions and seizures


def _rangs(comptes: np.ndarray) -> np.ndarray:
    """1..k within each group of sizes `comptes`, flattened."""
    debuts = np.repeat(np.cumsum(comptes) - comptes, comptes)
    return np.arange(comptes.sum()) - debuts + 1


def simuler_evenements(procedures: pl.DataFrame, p: Parametres, rng: np.random.Generator) -> pl.DataFrame:
    saisies = procedures.filter((pl.col("code_procedure") == "SAISIE") & (pl.col("stade") != "SIM"))
    n = saisies.height
    engagement = saisies["date_engagement"].to_numpy().astype("datetime64[D]")
    cloture = saisies["date_cloture"].to_numpy().astype("datetime64[D]")
    motif = saisies["motif_cloture"].fill_null("").to_numpy()
    borne = np.where(np.isnat(cloture), p.fin_extraction, cloture)
    vie = np.maximum((borne - engagement).astype(np.int64), 1)

    # DEFAIL signals.
    par_defail = motif == "DEFAIL"
    k = np.where(par_defail, 4, np.minimum(rng.poisson(0.6, size=n), 3))
    i = np.repeat(np.arange(n), k)
    rang = _rangs(k)
    ecart = np.maximum(np.minimum(30, vie // 4), 1)[i]
    date_fermante = borne[i] - ((4 - rang) * ecart).astype("timedelta64[D]")
    date_classee = engagement[i] + (vie[i] * rang // (k[i] + 1)).astype("timedelta64[D]")
    defail = {
        "i": i,
        "type_evenement": np.full(i.size, "DEFAIL"),
        "date_evenement": np.where(par_defail[i], date_fermante, date_classee),
        "rang_defail": rang,
        "duree_suspension_mois": np.full(i.size, -1),
        "suite": np.where(par_defail[i] & (rang == 4), "CLOTURE", "SFG"),
    }

    # Suspensions: the long one that stopped the seizure, short ones that did not.
    par_suspension = motif == "SUSP"
    courte = ~par_suspension & (rng.random(n) < 0.25) & (vie > 45)
    j = np.flatnonzero(par_suspension | courte)
    duree = np.where(par_suspension[j], rng.integers(4, 13, size=j.size), rng.integers(1, 4, size=j.size))
    debut_court = engagement[j] + (rng.random(j.size) * np.maximum(vie[j] - 31 * duree, 1)).astype(
        "timedelta64[D]"
    )
    suspension = {
        "i": j,
        "type_evenement": np.full(j.size, "SUSPENSION"),
        "date_evenement": np.where(
            par_suspension[j], borne[j] - np.timedelta64(DELAI_SUSPENSION_J, "D"), debut_court
        ),
        "rang_defail": np.full(j.size, -1),
        "duree_suspension_mois": duree,
        "suite": np.where(par_suspension[j], "ARRET", "POURSUITE"),
    }

    m = np.flatnonzero(motif == "PRP")
    prp = {
        "i": m,
        "type_evenement": np.full(m.size, "PRP_INSUFFISANT"),
        "date_evenement": borne[m],
        "rang_defail": np.full(m.size, -1),
        "duree_suspension_mois": np.full(m.size, -1),
        "suite": np.full(m.size, "ARRET"),
    }

    evenements = pl.concat([pl.DataFrame(d) for d in (defail, suspension, prp)])
    procedure_id = saisies["procedure_id"]
    evenements = (
        evenements.with_columns(
            procedure_id=procedure_id.gather(evenements["i"]),
            date_evenement=pl.col("date_evenement").cast(pl.Date),
            rang_defail=pl.when(pl.col("rang_defail") > 0).then(pl.col("rang_defail")),
            duree_suspension_mois=pl.when(pl.col("duree_suspension_mois") > 0).then(
                pl.col("duree_suspension_mois")
            ),
        )
        .sort("procedure_id", "date_evenement", "type_evenement", "rang_defail", nulls_last=True)
        .with_columns(
            evenement_id=identifiant_enfant("procedure_id", "E", 2),
            _mois=mois_index_de("date_evenement"),
        )
        .filter(pl.col("_mois").is_between(p.debut, p.fin))
        .sort("_mois", "evenement_id")
        .drop("i")
    )
    return evenements
