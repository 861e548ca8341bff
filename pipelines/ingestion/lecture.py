"""Read one extract file into text columns named as in the contract, with its line numbers.

Accepts the dialects users send: `;`, `,` or tab separated; cp1252 or UTF-8 (with or without BOM);
CRLF or LF; quoted fields; extra or reordered columns (matched by header). Types are not parsed
here (see controle.py), so that a bad value is quarantined with its text rather than lost.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
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
    incompletes: dict[int, tuple[str, str]] = field(default_factory=dict)  # line -> (rule, field)


def decoder(octets: bytes, fichier: str) -> tuple[str, str]:
    if octets[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in octets[:4096]:
        raise FichierIllisible(
            fichier,
            1,
            None,
            "encodage UTF-16 ou fichier binaire : réenregistrer l'extraction en CSV (UTF-8 ou Windows-1252)",
        )
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


def en_texte(expr: pl.Expr, dtype: pl.DataType, type_contrat: str) -> pl.Expr:
    """A typed column (Parquet, xlsx) back to the text the CSV exports carry, so that one set of
    checks applies to every format: dates dd/mm/yyyy (mm/yyyy for a month), amounts with two
    decimals, whole numbers without a decimal part."""
    if dtype == pl.String:
        return expr
    if dtype.is_temporal():
        return expr.dt.strftime("%m/%Y" if type_contrat == "mois" else "%d/%m/%Y")
    if dtype.is_float() or dtype.is_decimal():
        if type_contrat == "entier":
            flottant = expr.cast(pl.Float64)
            return (
                pl.when(flottant == flottant.round(0))
                .then(flottant.cast(pl.Int64).cast(pl.String))
                .otherwise(flottant.cast(pl.String))
            )
        return expr.cast(pl.Float64).round(2).cast(pl.String)
    return expr.cast(pl.String)


def lignes_mal_decoupees(texte: str, separateur: str) -> dict[int, tuple[str, str]]:
    """Lines with fewer fields than the header (a truncated transfer) or more (a separator typed
    inside an unquoted value): the CSV reader would pad or cut them, so they are found here, to be
    refused rather than loaded wrong. Separators are counted on every line at once; only the
    suspect lines are parsed (quotes may hide a separator). Returns line -> (rule, field)."""
    lignes = pl.Series(texte.split("\n")).str.strip_suffix("\r")
    comptes = lignes.str.count_matches(separateur, literal=True)
    entetes = next(csv.reader([lignes[0]], delimiter=separateur))
    suspectes = (comptes != len(entetes) - 1) & (lignes.str.len_chars() > 0)
    suspectes[0] = False
    resultat = {}
    for position in suspectes.arg_true().to_list():
        champs = next(csv.reader([lignes[position]], delimiter=separateur))
        if len(champs) < len(entetes):
            resultat[position + 1] = ("ligne_incomplete", entetes[len(champs)])
        elif len(champs) > len(entetes):
            resultat[position + 1] = ("ligne_trop_longue", entetes[-1])
    return resultat


def lire_fichier(chemin: Path, extraction: Extraction) -> Lecture:
    fichier = chemin.name
    suffixe = chemin.suffix.lower()
    if suffixe in (".parquet", ".xlsx"):
        try:
            brut = (
                pl.read_parquet(chemin)
                if suffixe == ".parquet"
                else pl.read_excel(chemin, engine="calamine", infer_schema_length=None)
            )
        except Exception as err:  # any reader failure is the file's, reported with its name
            raise FichierIllisible(fichier, None, None, f"fichier {suffixe[1:]} illisible ({err})") from err
        encodage, separateur = suffixe[1:], ""
        incompletes: dict[int, tuple[str, str]] = {}
    elif suffixe in (".csv", ".txt"):
        texte, encodage = decoder(chemin.read_bytes(), fichier)
        if not texte.strip():
            raise FichierIllisible(fichier, 1, None, "fichier vide")
        separateur = detecter_separateur(texte.split("\n", 1)[0])
        incompletes = lignes_mal_decoupees(texte, separateur)
        try:
            brut = pl.read_csv(
                io.StringIO(texte),
                separator=separateur,
                infer_schema=False,
                quote_char='"',
                truncate_ragged_lines=True,  # the long lines are refused (lignes_mal_decoupees)
            )
        except pl.exceptions.PolarsError as err:
            raise FichierIllisible(
                fichier, None, None, f"CSV mal formé ({err.__class__.__name__}: {err})"
            ) from err
    else:
        raise FichierIllisible(
            fichier, None, None, f"format {suffixe or '(sans extension)'} non pris en charge"
        )

    correspondance, ignorees = associer_colonnes(brut.columns, extraction, fichier)
    donnees = brut.select(
        [
            en_texte(pl.col(entete), brut.schema[entete], extraction.colonne(nom).type).alias(nom)
            for entete, nom in correspondance.items()
        ]
    )
    absentes = [c.nom for c in extraction.colonnes if c.nom not in donnees.columns]
    donnees = donnees.with_columns([pl.lit(None, dtype=pl.String).alias(nom) for nom in absentes])
    donnees = donnees.select([c.nom for c in extraction.colonnes]).with_row_index("_ligne", offset=2)
    return Lecture(
        donnees.with_columns(pl.col("_ligne").cast(pl.Int32)),
        encodage,
        separateur,
        tuple(ignorees),
        incompletes,
    )
