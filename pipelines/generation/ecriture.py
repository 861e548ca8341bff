"""Write a frame as the network's tools export it: `;`, cp1252, decimal comma, dd/mm/yyyy, CRLF."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

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
