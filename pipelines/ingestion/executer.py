"""One ingestion run over the landing directory: read, check, pseudonymise, load, report."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from pipelines.contrat import Extraction, contrat
from pipelines.ingestion.chargement import (
    Lot,
    charger_lot,
    deja_charge,
    empreintes_cle,
    preparer_schema,
    transaction,
)
from pipelines.ingestion.controle import controler
from pipelines.ingestion.lecture import FichierIllisible, lire_fichier
from pipelines.ingestion.pseudonymisation import CleInvalide, Pseudonymiseur


@dataclass(frozen=True)
class LigneRapport:
    fichier: str
    extraction: str | None
    statut: str  # chargé | remplacé | déjà chargé | refusé | ignoré
    lignes_lues: int = 0
    lignes_chargees: int = 0
    lignes_quarantaine: int = 0
    message: str = ""
    duree_s: float = 0.0


@dataclass
class Rapport:
    lignes: list[LigneRapport] = field(default_factory=list)

    @property
    def refus(self) -> list[LigneRapport]:
        return [ligne for ligne in self.lignes if ligne.statut in ("refusé", "ignoré")]

    def total(self, champ: str) -> int:
        return sum(getattr(ligne, champ) for ligne in self.lignes)


def sha256(chemin: Path) -> str:
    empreinte = hashlib.sha256()
    with chemin.open("rb") as handle:
        for bloc in iter(lambda: handle.read(1 << 20), b""):
            empreinte.update(bloc)
    return empreinte.hexdigest()


def reconnaitre(nom: str, extractions: dict[str, Extraction]) -> tuple[Extraction, date] | None:
    for ext in extractions.values():
        trouve = ext.motif().match(nom)
        if trouve:
            annee, mois = trouve["periode"].split("-")
            return ext, date(int(annee), int(mois), 1)
    return None


def preparer_lot(chemin: Path, ext: Extraction, periode: date, empreinte: str, pseudo: Pseudonymiseur) -> Lot:
    debut = time.perf_counter()
    lecture = lire_fichier(chemin, ext)
    controle = controler(lecture.donnees, ext, chemin.name, lecture.incompletes)
    valides = controle.valides.with_columns(
        [
            pl.Series(c.nom, pseudo.pseudonymiser(controle.valides[c.nom].cast(pl.String)))
            for c in ext.colonnes
            if c.personnel
        ]
    )
    return Lot(
        extraction=ext,
        fichier=chemin.name,
        sha256=empreinte,
        periode=periode,
        lignes_lues=lecture.donnees.height,
        valides=valides,
        quarantaine=controle.quarantaine,
        duree_s=time.perf_counter() - debut,
    )


def ingerer(
    depot: Path,
    entrepot: Path,
    pseudo: Pseudonymiseur,
    progression: Callable[[str], None] = lambda _: None,
) -> Rapport:
    """Load every recognised file of `depot` not already loaded. All files commit together."""
    extractions = contrat()
    rapport = Rapport()
    fichiers = (
        sorted(p for p in depot.iterdir() if p.is_file() and not p.name.endswith(".partiel"))
        if depot.exists()
        else []
    )
    entrepot.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(entrepot)) as con:
        preparer_schema(con, extractions)
        connues = empreintes_cle(con)
        if connues and connues != {pseudo.empreinte}:
            raise CleInvalide(
                "la clé de pseudonymisation diffère de celle avec laquelle l'entrepôt a été construit : "
                "les mêmes personnes n'auraient plus les mêmes clés. Restaurer la clé d'origine "
                "(ARIPA_CLE_PSEUDONYMISATION ou data/cles/pseudonymisation.key) ou reconstruire l'entrepôt."
            )
        pas = max(1, len(fichiers) // 20)  # about twenty progress lines, plus every file with a problem
        with transaction(con):
            for numero, chemin in enumerate(fichiers, start=1):
                reconnu = reconnaitre(chemin.name, extractions)
                if reconnu is None:
                    motifs = ", ".join(e.fichier for e in extractions.values())
                    rapport.lignes.append(
                        LigneRapport(
                            chemin.name,
                            None,
                            "ignoré",
                            message=f"nom de fichier non reconnu (attendu : {motifs})",
                        )
                    )
                    continue
                ext, periode = reconnu
                empreinte = sha256(chemin)
                if deja_charge(con, chemin.name, empreinte):
                    rapport.lignes.append(LigneRapport(chemin.name, ext.nom, "déjà chargé"))
                    continue
                try:
                    lot = preparer_lot(chemin, ext, periode, empreinte, pseudo)
                except FichierIllisible as err:
                    rapport.lignes.append(LigneRapport(chemin.name, ext.nom, "refusé", message=str(err)))
                    progression(f"[{numero}/{len(fichiers)}] refusé : {err}")
                    continue
                remplace = charger_lot(con, lot, pseudo.empreinte)
                rapport.lignes.append(
                    LigneRapport(
                        chemin.name,
                        ext.nom,
                        "remplacé" if remplace else "chargé",
                        lot.lignes_lues,
                        lot.valides.height,
                        lot.lignes_lues - lot.valides.height,
                        duree_s=lot.duree_s,
                    )
                )
                if numero % pas == 0 or numero == len(fichiers) or lot.quarantaine.height:
                    progression(
                        f"[{numero}/{len(fichiers)}] {chemin.name} : {lot.lignes_lues} lues, "
                        f"{lot.valides.height} chargées, "
                        f"{lot.lignes_lues - lot.valides.height} en quarantaine"
                    )
    return rapport
