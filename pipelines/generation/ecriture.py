"""Write a frame as the network's tools export it.

CSV (the default) is what NSF and Cristal export: `;`, cp1252, decimal comma, dd/mm/yyyy, CRLF.
Parquet and xlsx carry the same columns under the same headers, typed (dates as dates, amounts as
numbers with two decimals), as a user re-saving an extract from a spreadsheet or a data tool would.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from pipelines.contrat import Extraction

ENCODAGE = "cp1252"


def vers_format_reseau(
    frame: pl.DataFrame, extraction: Extraction, supplementaires: dict[str, str] | None = None
) -> pl.DataFrame:
    """Contract columns in contract order, renamed to their headers, every value as exported text.

    `supplementaires` maps further frame columns to headers (the personal columns a real export
    carries and the contract declares as never stored).
    """
    colonnes = []
    for col in extraction.colonnes:
        expr = pl.col(col.nom)
        if col.type == "date":
            expr = expr.dt.strftime("%d/%m/%Y")
        elif col.type == "mois":
            expr = expr.dt.strftime("%m/%Y")
        elif col.type == "montant":
            expr = montant_texte(expr)
        else:
            expr = expr.cast(pl.String)
        colonnes.append(expr.alias(col.entete))
    colonnes += [pl.col(nom).cast(pl.String).alias(entete) for nom, entete in (supplementaires or {}).items()]
    return frame.select(colonnes)


def montant_texte(expr: pl.Expr) -> pl.Expr:
    """Two decimals, decimal comma, no thousands separator (what NSF exports): 1234.5 -> '1234,50'."""
    centimes = (expr.cast(pl.Float64) * 100).round(0).cast(pl.Int64)
    return pl.concat_str(
        pl.when(centimes < 0).then(pl.lit("-")).otherwise(pl.lit("")),
        (centimes.abs() // 100).cast(pl.String),
        pl.lit(","),
        (centimes.abs() % 100).cast(pl.String).str.zfill(2),
    )


def ecrire_csv(
    frame: pl.DataFrame, extraction: Extraction, chemin: Path, supplementaires: dict[str, str] | None = None
) -> Path:
    """Write atomically (temp name, then rename) so a reader never sees half a file."""
    texte = vers_format_reseau(frame, extraction, supplementaires).write_csv(
        separator=";", line_terminator="\r\n", null_value=""
    )
    chemin.parent.mkdir(parents=True, exist_ok=True)
    provisoire = chemin.with_suffix(chemin.suffix + ".partiel")
    provisoire.write_bytes(texte.encode(ENCODAGE))
    os.replace(provisoire, chemin)
    return chemin


FORMATS = ("csv", "parquet", "xlsx")


def vers_colonnes_typees(
    frame: pl.DataFrame, extraction: Extraction, supplementaires: dict[str, str] | None = None
) -> pl.DataFrame:
    """Contract columns under their headers, typed: Date, Decimal(14,2) amounts, Int64, String."""
    colonnes = []
    for col in extraction.colonnes:
        expr = pl.col(col.nom)
        if col.type in ("date", "mois"):
            expr = expr.cast(pl.Date)
        elif col.type == "montant":
            expr = expr.cast(pl.Float64).round(2).cast(pl.Decimal(14, 2))
        elif col.type == "entier":
            expr = expr.cast(pl.Int64)
        else:
            expr = expr.cast(pl.String)
        colonnes.append(expr.alias(col.entete))
    colonnes += [pl.col(nom).cast(pl.String).alias(entete) for nom, entete in (supplementaires or {}).items()]
    return frame.select(colonnes)


def ecrire(
    frame: pl.DataFrame,
    extraction: Extraction,
    chemin: Path,
    format: str = "csv",
    supplementaires: dict[str, str] | None = None,
) -> Path:
    """Write one extract file in `format` (the extension of `chemin` must match it)."""
    if format == "csv":
        return ecrire_csv(frame, extraction, chemin, supplementaires)
    if format not in FORMATS:
        raise ValueError(f"format {format!r} inconnu (attendu : {', '.join(FORMATS)})")
    typees = vers_colonnes_typees(frame, extraction, supplementaires)
    chemin.parent.mkdir(parents=True, exist_ok=True)
    provisoire = chemin.with_name(chemin.name + ".partiel")
    if format == "parquet":
        typees.write_parquet(provisoire, compression="zstd", statistics=False)
    else:
        # A fixed creation date keeps the bytes identical from one run to the next.
        with xlsxwriter.Workbook(provisoire) as classeur:
            classeur.set_properties({"created": datetime(2000, 1, 1)})
            typees.with_columns(pl.col(pl.Decimal).cast(pl.Float64)).write_excel(
                classeur,
                worksheet="extraction",
                dtype_formats={pl.Date: "dd/mm/yyyy", pl.Float64: "0.00"},
                autofit=False,
            )
    os.replace(provisoire, chemin)
    return chemin
