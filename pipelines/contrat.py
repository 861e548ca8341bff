"""The extract contract, read from the dbt sources file where it is written once.

The generator, the ingestion and dbt all use this single definition of each extract:
its file name pattern, its columns (header in the file, name in the warehouse, type, meaning,
allowed codes) and which columns carry personal data.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from pipelines.config import DOSSIER_SEEDS, FICHIER_CONTRAT

TYPES = ("texte", "code", "date", "mois", "montant", "entier")
TYPES_ENTREPOT = {
    "texte": "VARCHAR",
    "code": "VARCHAR",
    "date": "DATE",
    "mois": "DATE",
    "montant": "DECIMAL(14,2)",
    "entier": "BIGINT",
}
MONTANT_MAX = 1_000_000  # EUR: an amount above it on one row is a typing error, not a debt
COLONNES_LIGNAGE = {"_fichier": "VARCHAR", "_ligne": "INTEGER", "_periode": "DATE"}


@dataclass(frozen=True)
class Colonne:
    nom: str  # name in the warehouse
    entete: str  # header in the extract file
    type: str
    description: str
    obligatoire: bool = False
    valeurs: tuple[str, ...] | None = None
    personnel: str | None = None  # "pseudonymiser": keyed hash at ingestion
    bornes: tuple[float, float] | None = None  # allowed range (amounts: 0 to MONTANT_MAX by default)

    @property
    def type_entrepot(self) -> str:
        # A pseudonymised value is stored as its key, whatever the type read.
        return "VARCHAR" if self.personnel else TYPES_ENTREPOT[self.type]


@dataclass(frozen=True)
class Extraction:
    nom: str  # raw table name, e.g. "versements"
    fichier: str  # file name pattern, e.g. "versements_{periode}.csv"
    cle: tuple[str, ...]
    colonnes: tuple[Colonne, ...]
    non_stockees: tuple[str, ...] = ()  # headers of personal columns read past, never stored
    ordre: tuple[tuple[str, str], ...] = ()  # (a, b): a <= b when both are filled
    references: tuple[tuple[str, str], ...] = ()  # (column, extract whose key it names)
    # (reference column, column of the referenced row, column of this row): the referenced row's
    # value <= this row's (a payment is not dated before its procedure's engagement)
    ordre_references: tuple[tuple[str, str, str], ...] = ()
    cle_par_periode: bool = False  # the key identifies a row within the month covered only

    def nom_fichier(self, periode: str, extension: str = "csv") -> str:
        return self.fichier.format(periode=periode).rsplit(".", 1)[0] + f".{extension}"

    def motif(self) -> re.Pattern[str]:
        """Regex matching this extract's file names; group 'periode' is the month covered (AAAA-MM)."""
        base = re.escape(self.fichier.rsplit(".", 1)[0]).replace(r"\{periode\}", r"(?P<periode>\d{4}-\d{2})")
        return re.compile(rf"^{base}\.(?P<extension>csv|txt|parquet|xlsx)$", re.IGNORECASE)

    def colonne(self, nom: str) -> Colonne:
        return next(c for c in self.colonnes if c.nom == nom)


def _valeurs(brut: object) -> tuple[str, ...] | None:
    if brut is None:
        return None
    if brut == "seed_cafs":
        return codes_caf()
    if isinstance(brut, list):
        return tuple(str(v) for v in brut)
    raise ValueError(f"{FICHIER_CONTRAT}: 'valeurs' doit être une liste ou 'seed_cafs', pas {brut!r}")


@cache
def codes_caf() -> tuple[str, ...]:
    with (DOSSIER_SEEDS / "cafs.csv").open(encoding="utf-8") as handle:
        return tuple(row["code_caf"] for row in csv.DictReader(handle))


def _ordre_references(nom: str, meta: dict, fichier: Path) -> tuple[tuple[str, str, str], ...]:
    """`ordre_references: [[procedures.date_engagement, date_valeur]]` -> (procedure_id,
    date_engagement, date_valeur): the extract named before the dot must be one this one references."""
    par_cible = {cible: colonne for colonne, cible in meta.get("references", {}).items()}
    resultat = []
    for avant, apres in meta.get("ordre_references", ()):
        cible, _, colonne_cible = avant.partition(".")
        if cible not in par_cible or not colonne_cible:
            raise ValueError(
                f"{fichier}: {nom}.ordre_references: {avant!r} doit nommer extraction.colonne d'une "
                f"extraction référencée ({', '.join(par_cible) or 'aucune'})"
            )
        resultat.append((par_cible[cible], colonne_cible, apres))
    return tuple(resultat)


def lire_contrat(fichier: Path = FICHIER_CONTRAT) -> dict[str, Extraction]:
    """Parse the contract; fails loudly on anything the pipeline would misread."""
    document = yaml.safe_load(fichier.read_text(encoding="utf-8"))
    source = next(s for s in document["sources"] if s["name"] == "extractions")
    extractions: dict[str, Extraction] = {}
    for table in source["tables"]:
        meta = table.get("meta", {})
        colonnes = []
        for col in table["columns"]:
            if col["name"].startswith("_"):
                continue  # lineage, added by ingestion
            m = col.get("meta", {})
            if m.get("type") not in TYPES:
                raise ValueError(
                    f"{fichier}: colonne {table['name']}.{col['name']}: type {m.get('type')!r} inconnu"
                )
            colonnes.append(
                Colonne(
                    nom=col["name"],
                    entete=m["entete"],
                    type=m["type"],
                    description=col.get("description", ""),
                    obligatoire=bool(m.get("obligatoire", False)),
                    valeurs=_valeurs(m.get("valeurs")),
                    personnel=m.get("personnel"),
                    bornes=tuple(m["bornes"]) if "bornes" in m else None,
                )
            )
        extractions[table["name"]] = Extraction(
            nom=table["name"],
            fichier=meta["fichier"],
            cle=tuple(meta.get("cle", ())),
            colonnes=tuple(colonnes),
            non_stockees=tuple(meta.get("non_stockees", ())),
            ordre=tuple(tuple(paire) for paire in meta.get("ordre", ())),
            references=tuple(meta.get("references", {}).items()),
            ordre_references=_ordre_references(table["name"], meta, fichier),
            cle_par_periode=bool(meta.get("cle_par_periode", False)),
        )
    return extractions


@cache
def contrat() -> dict[str, Extraction]:
    return lire_contrat()
