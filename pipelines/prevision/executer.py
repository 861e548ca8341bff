"""`aripa forecast`: back-test both models, forecast 12 months with the one that wins per series,
and write everything to the warehouse schema `prevision` (never a schema dbt builds), stamped with
the run date. The publish step copies it to the scopes that may read it."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.prevision import retro
from pipelines.prevision.modeles import MODELES
from pipelines.prevision.series import SERIES, Serie, lire_series

SCHEMA = "prevision"
FENETRE_AJUSTEMENT = 60  # months each fit sees: five years (older regimes, GIPA, IF's arrival, mislead)
ORIGINES = [12, 18, 24]  # back-test origins, months before the last observed + 12


@dataclass(frozen=True)
class Resultat:
    previsions: pd.DataFrame
    retro_detail: pd.DataFrame
    retro_synthese: pd.DataFrame
    retro_horizons: pd.DataFrame
    retenus: dict[str, str]
    ecartees: list[str]


def prevoir(
    series: list[Serie],
    origines: list[int] = ORIGINES,
    fenetre: int = FENETRE_AJUSTEMENT,
    progression: Callable[[str], None] = lambda _: None,
) -> Resultat:
    detail = retro.erreurs(series, origines, fenetre, progression=progression)
    synthese = retro.scores(detail, ["serie", "modele"])
    retenus = retro.modele_retenu(synthese)
    synthese["est_retenu"] = synthese["modele"] == synthese["serie"].map(retenus)
    horizons = retro.scores(detail, ["serie", "modele", "horizon"])
    lignes = []
    for s in series:
        nom = retenus[s.serie]
        p = MODELES[nom](s.valeurs[-fenetre:], retro.HORIZON)
        mois = pd.date_range(s.mois[-1] + pd.DateOffset(months=1), periods=retro.HORIZON, freq="MS")
        plancher = 0.0  # a stock or an amount is never negative: the lower bounds stop at 0
        for h in range(retro.HORIZON):
            lignes.append(
                {
                    "serie": s.serie,
                    "libelle_serie": SERIES[s.serie],
                    "niveau": s.niveau,
                    "type_zone": s.type_zone,
                    "code_zone": s.code_zone,
                    "libelle_zone": s.libelle_zone,
                    "mois": mois[h].date(),
                    "horizon": h + 1,
                    "modele": nom,
                    "prevision": max(p.moyenne[h], plancher),
                    "borne_basse_80": max(p.basse_80[h], plancher),
                    "borne_haute_80": max(p.haute_80[h], plancher),
                    "borne_basse_95": max(p.basse_95[h], plancher),
                    "borne_haute_95": max(p.haute_95[h], plancher),
                    "dernier_mois_observe": s.mois[-1].date(),
                }
            )
    return Resultat(pd.DataFrame(lignes), detail, synthese, horizons, retenus, [])


def empreinte(series: list[Serie]) -> str:
    """SHA-256 of the series and of the method's settings: the same inputs give the same forecasts."""
    h = hashlib.sha256(f"{FENETRE_AJUSTEMENT}|{ORIGINES}|{sorted(MODELES)}".encode())
    for s in series:
        h.update(f"{s.serie}|{s.niveau}|{s.code_zone}|{s.mois[0]:%Y-%m}|".encode())
        h.update(s.valeurs.tobytes())
    return h.hexdigest()


def deja_calculees(entrepot: Path, empreinte_series: str) -> datetime | None:
    """When the forecasts in the warehouse were computed from these very series (None: they were
    not): a second `aripa demo` on the same data does not refit 300 models."""
    with duckdb.connect(str(entrepot)) as con:
        try:
            ligne = con.execute(
                f"select calcule_le_utc from {SCHEMA}.execution where empreinte_series = ?",
                [empreinte_series],
            ).fetchone()
        except duckdb.Error:  # no forecast yet, or one written before the fingerprint existed
            return None
    return ligne[0] if ligne else None


def ecrire(resultat: Resultat, entrepot: Path, duree_s: float, empreinte_series: str = "") -> datetime:
    """Replace the tables of schema `prevision` in one transaction, each row stamped with the run
    time (UTC). Back-test scores are pooled over zones (no row describes one Caf); the per-zone
    errors stay in the warehouse, unpublished (`retro_detail` is not copied by the publish step)."""
    calcule_le = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    execution = pd.DataFrame(
        {
            "calcule_le_utc": [calcule_le],
            "fenetre_ajustement_mois": [FENETRE_AJUSTEMENT],
            "origines_retro_test": [", ".join(str(o) for o in ORIGINES)],
            "nb_series": [resultat.previsions[["serie", "code_zone"]].drop_duplicates().shape[0]],
            "duree_s": [round(duree_s, 1)],
            "empreinte_series": [empreinte_series],
        }
    )
    tables = {
        "previsions": resultat.previsions,
        "retro_synthese": resultat.retro_synthese,
        "retro_horizons": resultat.retro_horizons,
        "retro_detail": resultat.retro_detail,
        "execution": execution,
        # Which zones were left out and why: it names Cafs, so it stays in the warehouse.
        "series_ecartees": pd.DataFrame({"raison": pd.Series(resultat.ecartees, dtype="string")}),
    }
    with duckdb.connect(str(entrepot)) as con:
        con.execute("begin")
        con.execute(f"create schema if not exists {SCHEMA}")
        for nom, cadre in tables.items():
            con.register("cadre", cadre.assign(calcule_le_utc=calcule_le))
            con.execute(f"create or replace table {SCHEMA}.{nom} as select * from cadre")
            con.unregister("cadre")
        con.execute("commit")
    return calcule_le


# Tables of schema `prevision` the publish step copies (the per-zone back-test errors stay behind).
TABLES_PUBLIEES = ("previsions", "retro_synthese", "retro_horizons", "execution")


def lire_resultat(entrepot: Path) -> Resultat:
    """The forecasts and back-test scores already in the warehouse."""
    with duckdb.connect(str(entrepot)) as con:
        tables = {
            t: con.execute(f"select * from {SCHEMA}.{t}").df()
            for t in (*TABLES_PUBLIEES, "retro_detail", "series_ecartees")
        }
    synthese = tables["retro_synthese"]
    retenus = dict(
        zip(
            synthese.loc[synthese["est_retenu"], "serie"],
            synthese.loc[synthese["est_retenu"], "modele"],
            strict=True,
        )
    )
    ecartees = tables["series_ecartees"]["raison"].tolist()
    return Resultat(
        tables["previsions"], tables["retro_detail"], synthese, tables["retro_horizons"], retenus, ecartees
    )


def executer(
    entrepot: Path, progression: Callable[[str], None] = lambda _: None
) -> tuple[Resultat, datetime]:
    debut = time.perf_counter()
    series, ecartees = lire_series(entrepot, FENETRE_AJUSTEMENT + max(ORIGINES))
    if not series:
        raise ValueError("aucune série à prévoir : lancer `aripa build` d'abord")
    cle = empreinte(series)
    calcule_le = deja_calculees(entrepot, cle)
    if calcule_le is not None:
        progression(
            f"séries inchangées depuis le calcul du {calcule_le:%d/%m/%Y à %H:%M} UTC : prévisions gardées"
        )
        return lire_resultat(entrepot), calcule_le
    progression(f"{len(series)} séries ({len(ecartees)} écartées)")
    resultat = prevoir(series, progression=progression)
    resultat = Resultat(**{**resultat.__dict__, "ecartees": ecartees})
    calcule_le = ecrire(resultat, entrepot, time.perf_counter() - debut, cle)
    return resultat, calcule_le
