"""Read one extract file into text columns named as in the contract, with its line numbers.

Accepts the dialects users send: `;`, `,` or tab separated; cp1252 or UTF-8 (with or without BOM);
CRLF, LF or CR; quoted fields, newlines inside them included; extra or reordered columns (matched by
header). Types are not parsed here (see controle.py), so that a bad value is quarantined with its
text rather than lost. A record is numbered by the physical line where it starts (the header is
line 1); a line that cannot be cut into the header's fields is refused alone, the rest is read.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.contrat import Extraction

BOM_UTF8 = b"\xef\xbb\xbf"
# A quoted value may hold newlines; one spanning more lines than this is taken for a stray quote.
MAX_LIGNES_PAR_VALEUR = 50


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
    vides: int = 0  # blank lines, counted apart from the records


def _position(octets: bytes, decalage: int) -> tuple[int, str | None]:
    """(line, field) of a byte offset, the field named from the header (read leniently)."""
    ligne = octets[:decalage].count(b"\n") + 1
    entete = octets[: octets.find(b"\n")].decode("cp1252", errors="replace").lstrip("\ufeff")
    separateur = detecter_separateur(entete)
    entetes = next(csv.reader([entete.rstrip("\r")], delimiter=separateur), [""])
    debut_ligne = octets.rfind(b"\n", 0, decalage) + 1
    avant = octets[debut_ligne:decalage].decode("cp1252", errors="replace")
    rang = avant.count(separateur)
    return ligne, (entetes[rang] if rang < len(entetes) else None) if ligne > 1 else None


def decoder(octets: bytes, fichier: str) -> tuple[str, str]:
    if octets[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in octets[:4096]:
        raise FichierIllisible(
            fichier,
            1,
            None,
            "encodage UTF-16 ou fichier binaire : réenregistrer l'extraction en CSV (UTF-8 ou Windows-1252)",
        )
    if octets.startswith(BOM_UTF8):
        try:
            return octets[len(BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as err:
            # The file says it is UTF-8 and is not: which bytes are right is for the sender to say.
            decalage = err.start + len(BOM_UTF8)
            ligne, champ = _position(octets, decalage)
            raise FichierIllisible(
                fichier,
                ligne,
                champ,
                f"octet 0x{octets[decalage]:02x} illisible en UTF-8 alors que le fichier commence par "
                "la marque UTF-8 (BOM) : réenregistrer l'extraction dans un seul encodage",
            ) from err
    try:
        return octets.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return octets.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as err:
        ligne, champ = _position(octets, err.start)
        raise FichierIllisible(
            fichier, ligne, champ, f"octet 0x{octets[err.start]:02x} illisible en UTF-8 comme en cp1252"
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
) -> tuple[dict[int, str], list[str]]:
    """Map file headers (by position) to contract names (by header label, or by warehouse name)."""
    connus = {}
    for col in extraction.colonnes:
        connus[normaliser(col.entete)] = col.nom
        connus[normaliser(col.nom)] = col.nom
    non_stockees = {normaliser(e) for e in extraction.non_stockees}
    correspondance: dict[int, str] = {}
    ignorees = []
    for position, entete in enumerate(entetes):
        nom = connus.get(normaliser(entete))
        if nom is None and normaliser(entete) in non_stockees:
            continue  # declared personal data (names): read past, never stored
        if nom is None:
            ignorees.append(entete)
        elif nom in correspondance.values():
            raise FichierIllisible(fichier, 1, extraction.colonne(nom).entete, "colonne présente deux fois")
        else:
            correspondance[position] = nom
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


def _separer_lignes(texte: str) -> list[str]:
    """Physical lines: LF or CRLF; a file with bare CRs only (old Mac exports) is split on CR."""
    lignes = texte.split("\r") if "\n" not in texte and "\r" in texte else texte.split("\n")
    if lignes and lignes[-1] == "":
        lignes.pop()  # the terminator of the last line, not a line
    return lignes


def _decouper(enregistrement: str, separateur: str) -> list[str] | None:
    """One record cut by the CSV rules (quoted fields, doubled quotes, newlines inside quotes);
    None when it cannot be cut (a quote left open, text after a closing quote, a bare CR)."""
    try:
        return next(csv.reader([enregistrement], delimiter=separateur, strict=True), [])
    except csv.Error:
        return None


def _champ_en_defaut(ligne: str, separateur: str) -> int:
    """Index of the field where cutting a malformed line stopped (where its quote opened)."""
    champ, position, longueur = 0, 0, len(ligne)
    while position < longueur:
        caractere = ligne[position]
        if caractere == '"' and (position == 0 or ligne[position - 1] == separateur):
            ouvert = champ
            position += 1
            while position < longueur:
                if ligne[position] == '"':
                    if position + 1 < longueur and ligne[position + 1] == '"':
                        position += 2
                        continue
                    break
                position += 1
            if position >= longueur:
                return ouvert  # quote never closed
            position += 1
            if position < longueur and ligne[position] != separateur:
                return champ  # text after the closing quote
            continue
        if caractere == "\r":
            return champ
        if caractere == separateur:
            champ += 1
        position += 1
    return champ


def _diagnostic(ligne: str, separateur: str, entetes: list[str]) -> tuple[str, str]:
    """(rule, field) of a line that is not one record of the header's width."""
    champs = _decouper(ligne, separateur)
    if champs is None:
        return "ligne_mal_formee", entetes[min(_champ_en_defaut(ligne, separateur), len(entetes) - 1)]
    if len(champs) < len(entetes):
        return "ligne_incomplete", entetes[len(champs)]
    return "ligne_trop_longue", entetes[-1]


@dataclass(frozen=True)
class _Lignes:
    serie: pl.Series

    def __getitem__(self, position: int) -> str:
        return self.serie[position]

    def tranche(self, debut: int, fin: int) -> list[str]:
        return self.serie.slice(debut, fin - debut).to_list()


@dataclass(frozen=True)
class Decoupage:
    champs: pl.DataFrame  # columns c0..cN-1 (all String) and `_ligne`, one row per record
    entetes: list[str]
    refusees: dict[int, tuple[str, str]]  # line -> (rule, field): records that cannot be cut
    vides: int  # blank lines, not records


def decouper_csv(texte: str, separateur: str, fichier: str) -> Decoupage:
    """Cut a CSV text into records, each numbered by the physical line where it starts.

    Most lines hold no quote and exactly the header's number of separators: they are cut at once,
    vectorised. Only the others are looked at one by one: a line with an odd number of quotes opens
    a value that goes on over the next lines (a quoted newline is data) when, joined up to the next
    line that closes it, the record has the header's width; otherwise that quote is a stray one and
    costs its line alone (`ligne_mal_formee`), and reading goes on with the next line. Lines with
    the wrong number of fields are refused (`ligne_incomplete`, `ligne_trop_longue`) rather than
    padded or cut. Blank lines are not records: they are counted apart."""
    lignes = _separer_lignes(texte)
    serie = pl.Series(lignes, dtype=pl.String).str.strip_suffix("\r")
    # Only the lines looked at one by one come back to Python: a file of millions of plain lines
    # is cut by polars alone.
    lignes = _Lignes(serie)
    if serie.is_empty() or not lignes[0].strip():
        raise FichierIllisible(fichier, 1, None, "en-tête absent (première ligne vide)")
    entetes = _decouper(lignes[0], separateur)
    if not entetes:
        champ = _champ_en_defaut(lignes[0], separateur)
        raise FichierIllisible(fichier, 1, None, f"en-tête illisible (guillemet, colonne {champ + 1})")
    largeur = len(entetes)
    guillemets = serie.str.count_matches('"', literal=True).to_numpy()
    vide = (serie.str.strip_chars(" ").str.len_chars() == 0).to_numpy().copy()
    simple = (
        (serie.str.count_matches(separateur, literal=True) == largeur - 1)
        & (pl.Series(guillemets) == 0)
        & ~serie.str.contains("\r", literal=True)
    ).to_numpy() & ~vide
    simple[0] = vide[0] = False
    absorbees = np.zeros(serie.len(), dtype=bool)
    impaires = np.flatnonzero(guillemets % 2 == 1)
    lents: list[list[str]] = []
    lignes_lents: list[int] = []
    refusees: dict[int, tuple[str, str]] = {}
    for position in np.flatnonzero(~simple & ~vide).tolist():
        if position == 0 or absorbees[position]:
            continue
        if guillemets[position] % 2 == 1:
            rang = int(np.searchsorted(impaires, position, side="right"))
            if rang < len(impaires) and impaires[rang] - position <= MAX_LIGNES_PAR_VALEUR:
                fin = int(impaires[rang])
                champs = _decouper("\n".join(lignes.tranche(position, fin + 1)), separateur)
                if champs is not None and len(champs) == largeur:
                    lents.append(champs)
                    lignes_lents.append(position + 1)
                    absorbees[position + 1 : fin + 1] = True
                    continue
        champs = _decouper(lignes[position], separateur)
        if champs is not None and len(champs) == largeur:
            lents.append(champs)
            lignes_lents.append(position + 1)
        else:
            refusees[position + 1] = _diagnostic(lignes[position], separateur, entetes)
    simple &= ~absorbees
    vide &= ~absorbees
    noms = [f"c{i}" for i in range(largeur)]
    rapides = (
        serie.filter(pl.Series(simple))
        .str.split_exact(separateur, largeur - 1)
        .struct.rename_fields(noms)
        .struct.unnest()
        .with_columns(pl.Series("_ligne", np.flatnonzero(simple) + 1, dtype=pl.Int32))
    )
    schema = dict.fromkeys(noms, pl.String) | {"_ligne": pl.Int32}
    autres = pl.DataFrame(
        [[*champs, ligne] for champs, ligne in zip(lents, lignes_lents, strict=True)]
        + [[None] * largeur + [ligne] for ligne in refusees],
        schema=schema,
        orient="row",
    )
    champs = pl.concat([rapides.select(list(schema)), autres]).sort("_ligne")
    return Decoupage(champs, entetes, refusees, int(vide.sum()))


def lire_fichier(chemin: Path, extraction: Extraction) -> Lecture:
    fichier = nom_affichable(chemin.name)
    suffixe = chemin.suffix.lower()
    vides = 0
    refusees: dict[int, tuple[str, str]] = {}
    if suffixe in (".parquet", ".xlsx"):
        try:
            brut = (
                pl.read_parquet(chemin)
                if suffixe == ".parquet"
                else pl.read_excel(chemin, engine="calamine", infer_schema_length=None)
            )
        except Exception as err:  # any reader failure is the file's, reported with its name
            # Only the kind of error: a reader's message may quote the file's content.
            raise FichierIllisible(
                fichier, None, None, f"fichier {suffixe[1:]} illisible ({err.__class__.__name__})"
            ) from err
        encodage, separateur = suffixe[1:], ""
        entetes = list(brut.columns)
        brut = brut.rename({nom: f"c{i}" for i, nom in enumerate(entetes)}).with_row_index("_ligne", offset=2)
        types = {f"c{i}": brut.schema[f"c{i}"] for i in range(len(entetes))}
    elif suffixe in (".csv", ".txt"):
        texte, encodage = decoder(chemin.read_bytes(), fichier)
        if not texte.strip():
            raise FichierIllisible(fichier, 1, None, "fichier vide")
        separateur = detecter_separateur(re.split(r"\r\n|\n|\r", texte, maxsplit=1)[0])
        decoupage = decouper_csv(texte, separateur, fichier)
        brut, entetes, refusees, vides = (
            decoupage.champs,
            decoupage.entetes,
            decoupage.refusees,
            decoupage.vides,
        )
        types = dict.fromkeys(brut.columns, pl.String)
    else:
        raise FichierIllisible(
            fichier, None, None, f"format {suffixe or '(sans extension)'} non pris en charge"
        )

    correspondance, ignorees = associer_colonnes(entetes, extraction, fichier)
    donnees = brut.select(
        pl.col("_ligne").cast(pl.Int32),
        *[
            en_texte(pl.col(f"c{position}"), types[f"c{position}"], extraction.colonne(nom).type).alias(nom)
            for position, nom in correspondance.items()
        ],
    )
    absentes = [c.nom for c in extraction.colonnes if c.nom not in donnees.columns]
    donnees = donnees.with_columns([pl.lit(None, dtype=pl.String).alias(nom) for nom in absentes])
    donnees = donnees.select("_ligne", *[c.nom for c in extraction.colonnes])
    return Lecture(donnees, encodage, separateur, tuple(ignorees), refusees, vides)


def nom_affichable(nom: str) -> str:
    """A file name as it can be printed and stored: control characters shown as escapes."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in nom)
