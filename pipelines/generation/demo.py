"""`aripa generate`: write the demo extracts into the landing directory, and the truth file beside it.

The truth file (the planted GIPA effects) is written to `verite/` in the data directory, never to
the landing zone: only the tests and the evaluation check read it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.config import DOSSIER_SEEDS
from pipelines.contrat import Extraction, contrat
from pipelines.generation import trajectoires as tr
from pipelines.generation.creances import simuler_creances
from pipelines.generation.ecriture import FORMATS, ecrire
from pipelines.generation.modele import (
    Organisme,
    Parametres,
    effets_gipa,
    simuler_asf,
    simuler_mensualites,
    simuler_procedures,
)
from pipelines.generation.saisies import simuler_evenements

# Share of the national volume. `demo` keeps every Caf and the whole period, so that every
# indicator and the GIPA evaluation have something to show, at a tenth of the rows.
ECHELLES = {"demo": 0.1, "national": 1.0}
DEBUT_DEFAUT, FIN_DEFAUT = date(2012, 1, 1), date(2026, 10, 1)

# Generator columns -> contract names (the raw values the contract pseudonymises).
VERS_CONTRAT = {
    "matricule_creancier": "cle_creancier",
    "date_naissance_creancier": "cle_naissance_creancier",
    "matricule_debiteur": "cle_debiteur",
    "date_naissance_debiteur": "cle_naissance_debiteur",
}
NOMS_PERSONNELS = {
    "nom_creancier": "Nom créancier",
    "prenom_creancier": "Prénom créancier",
    "nom_debiteur": "Nom débiteur",
    "prenom_debiteur": "Prénom débiteur",
}


@dataclass(frozen=True)
class FichierEcrit:
    chemin: Path
    lignes: int


def _lire_seed(nom: str) -> list[dict]:
    with (DOSSIER_SEEDS / f"{nom}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def organismes() -> tuple[Organisme, ...]:
    """The Cafs with a population (the MSA has none: it takes a share of every Caf's cases)."""
    population = {d["code_departement"]: int(d["population"]) for d in _lire_seed("departements")}
    return tuple(
        Organisme(
            c["code_caf"], c["code_departement"], population[c["code_departement"]], c["code_caf_pivot"]
        )
        for c in _lire_seed("cafs")
        if c["code_departement"]
    )


def periode(jour: date) -> str:
    return f"{jour.year:04d}-{jour.month:02d}"


def _index(jour: date) -> int:
    return jour.year * 12 + jour.month - 1


def parametres(graine: int, echelle: float, debut: date, fin: date) -> Parametres:
    rng = np.random.default_rng([graine, 1])  # a stream of its own: the effects do not move with volumes
    gipa = sorted(d["code_departement"] for d in _lire_seed("gipa_departements"))
    return Parametres(
        graine=graine,
        debut=_index(debut),
        fin=_index(fin),
        echelle=echelle,
        organismes=organismes(),
        jumelages={
            j["code_caf_cedante"]: (j["code_caf_prenante"], float(j["part_dossiers_geres"]))
            for j in _lire_seed("jumelages")
        },
        gipa=effets_gipa(rng, gipa),
        bareme=tuple(
            (tr.index_mois(b["date_debut"][:7]), float(b["taux_asf_un_parent"]) * float(b["bmaf"]) * 0.995)
            for b in _lire_seed("bareme_asf")
        ),
        bmaf=tuple((tr.index_mois(b["date_debut"][:7]), float(b["bmaf"])) for b in _lire_seed("bareme_asf")),
    )


def _ecrire_par_mois(
    frame: pl.DataFrame, extraction: Extraction, sortie: Path, format: str = "csv"
) -> list[FichierEcrit]:
    ecrits = []
    for (mois,), du_mois in frame.partition_by("_mois", as_dict=True, maintain_order=True).items():
        annee, m = divmod(int(mois), 12)
        chemin = sortie / extraction.nom_fichier(f"{annee:04d}-{m + 1:02d}", format)
        ecrits.append(FichierEcrit(ecrire(du_mois, extraction, chemin, format), du_mois.height))
    return ecrits


def _compte(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def generer(
    sortie: Path,
    graine: int = 2026,
    debut: date = DEBUT_DEFAUT,
    fin: date = FIN_DEFAUT,
    echelle: str = "demo",
    verite: Path | None = None,
    progression: Callable[[str], None] = lambda _: None,
    format: str = "csv",
) -> list[FichierEcrit]:
    """Simulate the network, then write one procedures snapshot (at `fin`) and, per month, the
    recovery plan, the payments and the ASF beneficiaries. Same seed, same bytes."""
    if debut > fin:
        raise ValueError(f"période vide : début {periode(debut)} après fin {periode(fin)}")
    if echelle not in ECHELLES:
        raise ValueError(f"échelle {echelle!r} inconnue (attendu : {', '.join(ECHELLES)})")
    if format not in FORMATS:
        raise ValueError(f"format {format!r} inconnu (attendu : {', '.join(FORMATS)})")
    params = parametres(graine, ECHELLES[echelle], debut, fin)
    rng = np.random.default_rng(graine)
    extraits = contrat()

    procedures = simuler_procedures(params, rng).rename(VERS_CONTRAT)
    chemin = sortie / extraits["procedures"].nom_fichier(periode(fin), format)
    ecrits = [
        FichierEcrit(
            ecrire(procedures, extraits["procedures"], chemin, format, NOMS_PERSONNELS), procedures.height
        )
    ]
    progression(f"{chemin.name} : {_compte(procedures.height)} procédures")

    def mensuels(nom: str, frame: pl.DataFrame) -> None:
        fichiers = _ecrire_par_mois(frame, extraits[nom], sortie, format)
        ecrits.extend(fichiers)
        progression(f"{len(fichiers)} fichiers {extraits[nom].fichier} : {_compte(frame.height)} lignes")

    mensualites = simuler_mensualites(procedures, params, rng)
    mensuels("plan_recouvrement", mensualites.plan)
    mensuels("versements", mensualites.versements)
    verite_mensualites = mensualites.verite
    del mensualites  # the largest frames: freed before the next ones are drawn

    asf, verite_asf = simuler_asf(params, rng)
    mensuels("asf", asf)
    mensuels("evenements", simuler_evenements(procedures, params, rng))

    creances = simuler_creances(procedures, params, rng)
    chemin = sortie / extraits["creances"].nom_fichier(periode(fin), format)
    ecrits.append(
        FichierEcrit(
            ecrire(creances.creances, extraits["creances"], chemin, format), creances.creances.height
        )
    )
    progression(f"{chemin.name} : {_compte(creances.creances.height)} créances")
    mensuels("mouvements_creances", creances.mouvements)
    mensuels("remises_dettes", creances.remises)

    cible = verite or sortie.parent / "verite" / "verite_gipa.json"
    cible.parent.mkdir(parents=True, exist_ok=True)
    contenu = {
        "graine": graine,
        "echelle": echelle,
        "periode": [periode(debut), periode(fin)],
        "fenetre_gipa": ["2014-10", "2016-03"],
        **verite_mensualites,
        **verite_asf,
    }
    cible.write_text(json.dumps(contenu, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
    progression(f"vérité de l'expérimentation : {cible}")
    # What was generated (read by `aripa realism` to bring demo volumes back to national scale).
    (cible.parent / "generation.json").write_text(
        json.dumps(
            {
                "graine": graine,
                "echelle": echelle,
                "part_du_volume_national": ECHELLES[echelle],
                "periode": [periode(debut), periode(fin)],
                "format": format,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return ecrits
