"""Parsing checks on one file's rows. A failing row is never dropped: it goes to quarantine.

Here, what must be settled before a value can be typed (rule names in `raw.quarantaine.regle`):
  format_date      not a valid dd/mm/yyyy date (mm/yyyy for a month) with a four-digit year from
                   ANNEE_MIN to ANNEE_MAX ("01/09/18" is not read as the year 18)
  format_montant   not an amount (ASCII digits, decimal comma or point, at most two decimals, below
                   10^12: what DECIMAL(14,2) holds; "１２３" is not read as 123)
  format_entier    not an integer (ASCII digits, within BIGINT)
  cle_en_double    the row's key already appeared earlier in the same file (the first is kept);
                   across files and the warehouse, see unicite.py
  ligne_incomplete the line has fewer fields than the header (a truncated file): refused whole
  ligne_trop_longue the line has more fields than the header (a stray separator): refused whole
  ligne_mal_formee the line cannot be cut into fields (a quote left open, text after a closing
                   quote, a bare CR): refused whole, the field named is where cutting stopped
Every value that is not valid is quarantined with its original text (masked if personal): none is
turned into NULL or into another value. The business rules on typed values (required values,
allowed codes, ranges, date order, references across files) are the Great Expectations suites of
`expectations/`, run by `pipelines/validation/verification.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipelines.contrat import Colonne, Extraction

MASQUE_PERSONNEL = "<donnée personnelle masquée>"
MONTANT = r"^-?[0-9]+([.,][0-9]{1,2})?$"  # ASCII digits: `\d` would accept "１２３"
ENTIER = r"^[+-]?[0-9]+$"
DATE = r"^[0-9]{2}/[0-9]{2}/[0-9]{4}$"
ANNEE_MIN, ANNEE_MAX = 1900, 2100  # a date outside is a typing error (and year 0 breaks Python dates)
SCHEMA_QUARANTAINE = {
    "fichier": pl.String,
    "ligne": pl.Int32,
    "champ": pl.String,
    "regle": pl.String,
    "valeur": pl.String,
    "detail": pl.String,  # e.g. the file a repeated key was already loaded from
}


@dataclass(frozen=True)
class Controle:
    valides: pl.DataFrame  # typed contract columns + `_ligne`
    quarantaine: pl.DataFrame  # one row per failing field (SCHEMA_QUARANTAINE)
    lignes_en_quarantaine: int


def _nettoyer(col: Colonne) -> pl.Expr:
    texte = pl.col(col.nom).str.strip_chars()
    return pl.when(texte == "").then(None).otherwise(texte)


def _montant(texte: pl.Expr) -> pl.Expr:
    # Thousands separators (space, no-break spaces) are tolerated; the decimal comma becomes a point.
    return texte.str.replace_all(r"[ \u00a0\u202f]", "").str.replace(",", ".", literal=True)


def _valeur_et_regle(col: Colonne) -> tuple[pl.Expr, pl.Expr]:
    """The parsed value, and the rule it breaks (null when the value is fine)."""
    texte = _nettoyer(col)
    manque = texte.is_null()
    if col.type in ("date", "mois"):
        jour = texte if col.type == "date" else pl.concat_str(pl.lit("01/"), texte)
        lue = jour.str.strptime(pl.Date, "%d/%m/%Y", strict=False)
        bonne = jour.str.contains(DATE) & lue.dt.year().is_between(ANNEE_MIN, ANNEE_MAX)
        valeur = pl.when(bonne).then(lue)
        regle = pl.when(~manque & valeur.is_null()).then(pl.lit("format_date"))
    elif col.type == "montant":
        propre = _montant(texte)
        bien_forme = propre.str.contains(MONTANT)
        # Too large for DECIMAL(14,2) casts to null: that is a format fault too, never a NULL amount.
        valeur = pl.when(bien_forme).then(propre).cast(pl.Decimal(14, 2), strict=False)
        regle = pl.when(~manque & valeur.is_null()).then(pl.lit("format_montant"))
    elif col.type == "entier":
        valeur = pl.when(texte.str.contains(ENTIER)).then(texte).cast(pl.Int64, strict=False)
        regle = pl.when(~manque & valeur.is_null()).then(pl.lit("format_entier"))
    else:
        valeur = texte
        regle = pl.when(pl.lit(False)).then(pl.lit(""))
    return valeur.alias(col.nom), regle.alias(col.nom)


def controler(
    lecture: pl.DataFrame,
    extraction: Extraction,
    fichier: str,
    incompletes: dict[int, tuple[str, str]] | None = None,
) -> Controle:
    """Check every row; `incompletes` (line -> (rule, field)) are refused whatever they hold."""
    incompletes = incompletes or {}
    if incompletes:
        lecture = lecture.filter(~pl.col("_ligne").is_in(list(incompletes)))
    paires = [_valeur_et_regle(col) for col in extraction.colonnes]
    regles = lecture.select(pl.col("_ligne"), *[regle for _, regle in paires])
    if extraction.cle:
        # The first occurrence of a key is kept; each later one is refused on its first key field.
        doublon = ~pl.struct(list(extraction.cle)).is_first_distinct()
        premiere = extraction.cle[0]
        regles = regles.with_columns(
            pl.when(pl.col(premiere).is_null() & lecture.select(doublon).to_series())
            .then(pl.lit("cle_en_double"))
            .otherwise(pl.col(premiere))
            .alias(premiere)
        )

    personnels = {c.nom for c in extraction.colonnes if c.personnel}
    entetes = {c.nom: c.entete for c in extraction.colonnes}
    longues = regles.unpivot(index="_ligne", variable_name="nom", value_name="regle").drop_nulls("regle")
    # Only the failing rows' values are unpivoted (all of them cost one row per field of the file).
    valeurs = lecture.join(longues.select("_ligne").unique(), on="_ligne", how="semi").unpivot(
        index="_ligne", variable_name="nom", value_name="valeur"
    )
    quarantaine = (
        longues.join(valeurs, on=["_ligne", "nom"], how="left")
        .with_columns(
            pl.when(pl.col("nom").is_in(list(personnels)))
            .then(pl.lit(MASQUE_PERSONNEL))
            .otherwise(pl.col("valeur"))
            .alias("valeur"),
            pl.col("nom").replace_strict(entetes, return_dtype=pl.String).alias("champ"),
            pl.lit(fichier).alias("fichier"),
        )
        .select(
            pl.col("fichier"),
            pl.col("_ligne").alias("ligne"),
            "champ",
            "regle",
            "valeur",
            pl.lit(None, dtype=pl.String).alias("detail"),
        )
        .sort("ligne", "champ")
        .cast(SCHEMA_QUARANTAINE)
    )
    if incompletes:
        tronquees = pl.DataFrame(
            {
                "fichier": [fichier] * len(incompletes),
                "ligne": list(incompletes),
                "champ": [champ for _, champ in incompletes.values()],
                "regle": [regle for regle, _ in incompletes.values()],
                "valeur": [None] * len(incompletes),  # never the line's text: it may be anything
                "detail": [None] * len(incompletes),
            },
            schema=SCHEMA_QUARANTAINE,
        )
        quarantaine = pl.concat([quarantaine, tronquees]).sort("ligne", "champ")
    refusees = quarantaine["ligne"].unique()
    valides = lecture.filter(~pl.col("_ligne").is_in(refusees.implode())).select(
        pl.col("_ligne"), *[valeur for valeur, _ in paires]
    )
    return Controle(valides, quarantaine, refusees.len())
