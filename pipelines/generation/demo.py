"""`aripa generate`: write the demo extracts into the landing directory."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.config import DOSSIER_SEEDS
from pipelines.contrat import contrat
from pipelines.generation.ecriture import ecrire_csv
from pipelines.generation.modele import Parametres, simuler_procedures, simuler_versements

# A handful of Cafs for the walking skeleton: four SNAPA pivots, Haute-Garonne, and the
# Alpes-Maritimes / Territoire de Belfort jumelage pair (so Caf gestionnaire != Caf de résidence).
CAFS_DEMO = ("011", "161", "311", "341", "761", "061", "901")


@dataclass(frozen=True)
class FichierEcrit:
    chemin: Path
    lignes: int


def population_par_caf() -> dict[str, int]:
    with (DOSSIER_SEEDS / "departements.csv").open(encoding="utf-8") as f:
        population = {row["code_departement"]: int(row["population"]) for row in csv.DictReader(f)}
    with (DOSSIER_SEEDS / "cafs.csv").open(encoding="utf-8") as f:
        # The MSA has no département, hence no population of its own.
        return {
            row["code_caf"]: population[row["code_departement"]]
            for row in csv.DictReader(f)
            if row["code_departement"]
        }


def periode(jour: date) -> str:
    return f"{jour.year:04d}-{jour.month:02d}"


def generer(
    sortie: Path,
    graine: int = 2026,
    debut: date = date(2025, 11, 1),
    fin: date = date(2026, 10, 1),
    cafs: tuple[str, ...] = CAFS_DEMO,
    progression: Callable[[str], None] = lambda _: None,
) -> list[FichierEcrit]:
    """Simulate, then write one procedures snapshot (at `fin`) and one versements file per month."""
    if debut > fin:
        raise ValueError(f"période vide : début {periode(debut)} après fin {periode(fin)}")
    params = Parametres(graine=graine, debut=debut, fin=fin, cafs=cafs, population=population_par_caf())
    rng = np.random.default_rng(graine)
    procedures = simuler_procedures(params, rng)
    versements = simuler_versements(procedures, params, rng)
    extraits = contrat()

    ecrits = []
    chemin = sortie / extraits["procedures"].nom_fichier(periode(fin))
    ecrits.append(FichierEcrit(ecrire_csv(procedures, extraits["procedures"], chemin), procedures.height))
    progression(f"{chemin.name} : {procedures.height:,} procédures".replace(",", "\u202f"))
    for (mois,), du_mois in versements.partition_by("_mois", as_dict=True, maintain_order=True).items():
        annee, m = divmod(int(mois), 12)
        chemin = sortie / extraits["versements"].nom_fichier(f"{annee:04d}-{m + 1:02d}")
        ecrits.append(FichierEcrit(ecrire_csv(du_mois, extraits["versements"], chemin), du_mois.height))
    progression(
        f"{len(ecrits) - 1} fichiers de versements : {versements.height:,} versements".replace(",", "\u202f")
    )
    return ecrits


__all__ = ["CAFS_DEMO", "FichierEcrit", "generer", "pl"]
