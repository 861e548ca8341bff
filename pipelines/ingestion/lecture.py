"""Read one extract file into text columns named as in the contract, with its line numbers.

Accepts the dialects users send: `;`, `,` or tab separated; cp1252 or UTF-8 (with or without BOM);
CRLF or LF; quoted fields; extra or reordered columns (matched by header). Types are not parsed
here (see controle.py), so that a bad value is quarantined with its text rather than lost.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.contrat import Extraction

BOM_UTF8 = b"\xef\xbb\xbf"


@dataclass
class FichierIllisible(Exception):
    """A file that cannot be read as its extract: names the file, line and field."""

    fichier: str
    ligne: int | None
    champ: str | None
    message: str

    def __str__(self) -> str:
        ou = [self.fichier]
        if self.ligne is not None:
            ou.append(f"ligne {self.ligne}")
        if self.champ:
            ou.append(f"champ « {self.champ} »")
        return f"{', '.join(ou)} : {self.message}"


@dataclass(frozen=True)
class Lecture:
    donnees: pl.DataFrame  # contract column names, all String, plus `_ligne`
    encodage: str
    separateur: str
    colonnes_ignorees: tuple[str, ...]


def decoder(octets: bytes, fichier: str) -> tuple[str, str]:
    if octets.startswith(BOM_UTF8):
        return octets[len(BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    try:
        return octets.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return octets.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as err:
        ligne = octets[: err.start].count(b"\n") + 1
        raise FichierIllisible(
            fichier, ligne, None, f"octet 0x{octets[err.start]:02x} illisible en UTF-8 comme en cp1252"
        ) from err


def detecter_separateur(entete: str) -> str:
    comptes = {sep: entete.count(sep) for sep in (";", "\t", ",")}
    return max(comptes, key=lambda sep: comptes[sep])


def normaliser(entete: str) -> str:
    """Header comparison ignores case, accents, surrounding spaces and repeated spaces."""
    sans_accents = unicodedata.normalize("NFKD", entete).encode("ascii", "ignore").decode()
    return " ".join(sans_accents.replace("\ufeff", "").strip().casefold().split())


def associer_colonnes(
    entetes: list[str], extraction: Extraction, fichier: str
) -> tuple[dict[str, str], list[str]]:
    """Map file headers to contract names (by header label, or by warehouse name)."""
    connus = {}
    for col in extraction.colonnes:
        connus[normaliser(col.entete)] = col.nom
        connus[normaliser(col.nom)] = col.nom
    non_stockees = {normaliser(e) for e in extraction.non_stockees}
    correspondance: dict[str, str] = {}
    ignorees = []
    for entete in entetes:
        nom = connus.get(normaliser(entete))
        if nom is None and normaliser(entete) in non_stockees:
            continue  # declared personal data (names): read past, never stored
        if nom is None:
            ignorees.append(entete)
        elif nom in correspondance.values():
            raise FichierIllisible(fichier, 1, entete, "colonne présente deux fois")
        else:
            correspondance[entete] = nom
    manquantes = [c for c in extraction.colonnes if c.obligatoire and c.nom not in correspondance.values()]
    if manquantes:
        raise FichierIllisible(
            fichier,
            1,
            manquantes[0].entete,
            "colonne obligatoire absente"
            + (f" (et {', '.join(c.entete for c in manquantes[1:])})" if len(manquantes) > 1 else ""),
        )
    return correspondance, ignorees


def lire_fichier(chemin: Path, extraction: Extraction) -> Lecture:
    fichier = chemin.name
    suffixe = chemin.suffix.lower()
    if suffixe == ".parquet":
        brut = pl.read_parquet(chemin)
        brut = brut.select(pl.all().cast(pl.String))
        encodage, separateur = "parquet", ""
    elif suffixe in (".csv", ".txt"):
        texte, encodage = decoder(chemin.read_bytes(), fichier)
        if not texte.strip():
            raise FichierIllisible(fichier, 1, None, "fichier vide")
        separateur = detecter_separateur(texte.split("\n", 1)[0])
        try:
            brut = pl.read_csv(io.StringIO(texte), separator=separateur, infer_schema=False, quote_char='"')
        except pl.exceptions.PolarsError as err:
            raise FichierIllisible(
                fichier, None, None, f"CSV mal formé ({err.__class__.__name__}: {err})"
            ) from err
    else:
        raise FichierIllisible(
            fichier, None, None, f"format {suffixe or '(sans extension)'} non pris en charge"
        )

    correspondance, ignorees = associer_colonnes(brut.columns, extraction, fichier)
    donnees = brut.select([pl.col(entete).alias(nom) for entete, nom in correspondance.items()])
    absentes = [c.nom for c in extraction.colonnes if c.nom not in donnees.columns]
    donnees = donnees.with_columns([pl.lit(None, dtype=pl.String).alias(nom) for nom in absentes])
    donnees = donnees.select([c.nom for c in extraction.colonnes]).with_row_index("_ligne", offset=2)
    return Lecture(
        donnees.with_columns(pl.col("_ligne").cast(pl.Int32)), encodage, separateur, tuple(ignorees)
    )
