"""A key is unique across the whole warehouse, not only within one file or one load.

A row whose key (with its month, for the photographs keyed per month: `cle_par_periode`) is
already loaded from another file is refused as `cle_en_double`, the quarantine naming that file
and its line; the file being replaced by a corrected re-send under the same name does not count
(its rows are about to go). Within one run, the files of an extract are taken in the documented
order, by file name (so by month covered, then extension: `versements_2026-07.csv` before
`versements_2026-10.csv`, `procedures_2026-10.csv` before `procedures_2026-10.parquet`): the first
file holding a key wins, the later ones are refused. This runs after the parsing checks (a repeated
key within a file is settled there, the first kept) and before the Great Expectations suite: a key
belongs to the first file that sends it, and if that row is wrong, that file is the one to correct.

An extract's files are taken in batches of about a million rows (executer.py: the parsed rows of
a national extract do not fit in memory at once), each batch loaded before the next is read. The
rows a later batch is checked against are then, exactly as if the run were one batch: the
warehouse's rows of files outside the run (`hors_du_chargement`), the rows the run's earlier
batches loaded, and the keys of the earlier batches' rows that the suite put in quarantine
(`ClesRefusees`: a key in quarantine still belongs to the file that sent it first).
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import polars as pl

from pipelines.contrat import Extraction
from pipelines.ingestion.chargement import Lot
from pipelines.ingestion.controle import MASQUE_PERSONNEL, SCHEMA_QUARANTAINE

MAX_FICHIERS_NOMMES = 3  # in a manifest message: the files a file's repeated keys come from


def colonnes_cle(extraction: Extraction) -> list[str]:
    return [*extraction.cle, *(["_periode"] if extraction.cle_par_periode else [])]


def _cles(lots: list[Lot], extraction: Extraction) -> pl.DataFrame:
    """Every key of the run's rows, with its file's number in the run order and its line."""
    return pl.concat(
        [
            lot.valides.select(
                *extraction.cle,
                pl.lit(lot.periode, dtype=pl.Date).alias("_periode"),
                pl.col("_ligne").cast(pl.Int32),
                pl.lit(numero, dtype=pl.Int32).alias("_lot"),
            )
            for numero, lot in enumerate(lots)
        ],
        how="vertical_relaxed",
    ).drop_nulls(list(extraction.cle))  # a missing key is the suite's (obligatoire)


class ClesRefusees:
    """The keys of the rows an earlier batch of the run sent to quarantine through the suite, in a
    DuckDB temporary table (few rows: the refused ones): the next batches' same keys are still
    `cle_en_double`, « déjà lue dans ce chargement »."""

    def __init__(self, con: duckdb.DuckDBPyConnection, extraction: Extraction) -> None:
        self.con, self.extraction = con, extraction
        self.table = f"cles_refusees_{extraction.nom}"
        colonnes = ", ".join(colonnes_cle(extraction))
        con.execute(
            f"create or replace temp table {self.table} as "
            f"select {colonnes}, _fichier, _ligne from raw.{extraction.nom} where false"
        )

    def ajouter(self, lot: Lot, refusees: pl.DataFrame) -> None:
        """`refusees`: rows of `lot` (its valides' columns) that the suite refused."""
        if not self.extraction.cle or refusees.is_empty():
            return
        cles = (
            refusees.with_columns(pl.lit(lot.periode, dtype=pl.Date).alias("_periode"))
            .select(
                *colonnes_cle(self.extraction),
                pl.lit(lot.fichier).alias("_fichier"),
                pl.col("_ligne").cast(pl.Int32),
            )
            .drop_nulls(list(self.extraction.cle))
        )
        self.con.register("cles_refusees_du_lot", cles.to_arrow())
        try:
            self.con.execute(f"insert into {self.table} by name select * from cles_refusees_du_lot")
        finally:
            self.con.unregister("cles_refusees_du_lot")


def _deja_en_base(
    con: duckdb.DuckDBPyConnection,
    extraction: Extraction,
    cles: pl.DataFrame,
    hors_du_chargement: list[str],
    charges: list[str],
    refusees: ClesRefusees | None,
) -> pl.DataFrame:
    """The batch's keys already loaded from a file outside the run (`_en_base`), or kept by an
    earlier batch of the run (loaded from one of `charges`, or refused by its suite): _lot, _ligne,
    the file and line they come from."""
    colonnes = colonnes_cle(extraction)
    liste = ", ".join(colonnes)
    condition = " and ".join(f"n.{c} = r.{c}" for c in colonnes)
    # One scan of the raw table for both (a national extract is read once per batch): a row of a
    # file outside the run is `_en_base`, one of a file an earlier batch loaded is the run's.
    sources = [
        f"select {liste}, _fichier, _ligne, "
        "_fichier not in (select fichier from fichiers_du_chargement) as _en_base "
        f"from raw.{extraction.nom} where _fichier not in (select fichier from fichiers_du_chargement) "
        "or _fichier in (select fichier from fichiers_charges)"
    ]
    if refusees is not None:
        sources.append(f"select {liste}, _fichier, _ligne, false from {refusees.table}")
    con.register("cles_du_lot", cles.to_arrow())
    con.register("fichiers_du_chargement", pl.DataFrame({"fichier": hors_du_chargement}).to_arrow())
    con.register(
        "fichiers_charges", pl.DataFrame({"fichier": charges}, schema={"fichier": pl.String}).to_arrow()
    )
    try:
        trouvees = con.sql(
            f"select n._lot, n._ligne, any_value(r._fichier) as source, min(r._ligne) as ligne_source, "
            f"bool_or(r._en_base) as _en_base "
            f"from cles_du_lot n join ({' union all '.join(sources)}) r on {condition} "
            "group by n._lot, n._ligne"
        ).to_arrow_table()
    finally:
        con.unregister("cles_du_lot")
        con.unregister("fichiers_du_chargement")
        con.unregister("fichiers_charges")
    return pl.from_arrow(trouvees).cast(
        {"_lot": pl.Int32, "_ligne": pl.Int32, "ligne_source": pl.Int32, "_en_base": pl.Boolean}
    )


def refuser_cles_deja_vues(
    con: duckdb.DuckDBPyConnection,
    extraction: Extraction,
    lots: list[Lot],
    du_chargement: list[str] | None = None,
    charges: list[str] | None = None,
    refusees: ClesRefusees | None = None,
) -> list[Lot]:
    """The lots (in the run order) without their rows whose key is already loaded or sent by an
    earlier file of the run; those rows join the file's quarantine, and its message says how many.
    When the run's files come in several batches: `du_chargement` names all the run's files of
    the extract (their previous versions do not count), `charges` those earlier batches loaded,
    `refusees` the keys the earlier batches' suites refused."""
    if not extraction.cle or not lots:
        return lots
    cles = _cles(lots, extraction)
    if cles.is_empty():
        return lots
    colonnes = colonnes_cle(extraction)
    en_base = _deja_en_base(
        con,
        extraction,
        cles,
        sorted({lot.fichier for lot in lots} | set(du_chargement or [])),
        charges or [],
        refusees,
    )
    restantes = cles.join(en_base.select("_lot", "_ligne"), on=["_lot", "_ligne"], how="anti").sort(
        "_lot", "_ligne"
    )
    # A one-column key is hashed as itself: a struct of one field costs twice as much on 1 M rows.
    cle = pl.col(colonnes[0]) if len(colonnes) == 1 else pl.struct(colonnes)
    premieres = restantes.filter(cle.is_first_distinct())
    dans_le_lot = (
        restantes.filter(~cle.is_first_distinct())
        .join(
            premieres.select(
                *colonnes, pl.col("_lot").alias("_lot_source"), pl.col("_ligne").alias("ligne_source")
            ),
            on=colonnes,
            how="left",
        )
        .with_columns(
            pl.col("_lot_source")
            .replace_strict(dict(enumerate(lot.fichier for lot in lots)), return_dtype=pl.String)
            .alias("source"),
            pl.lit(False).alias("_en_base"),
        )
        .select("_lot", "_ligne", "source", "ligne_source", "_en_base")
    )
    doublons = pl.concat([en_base.select(dans_le_lot.columns), dans_le_lot])
    if doublons.is_empty():
        return lots
    premiere = extraction.cle[0]
    champ = extraction.colonne(premiere).entete
    personnel = extraction.colonne(premiere).personnel is not None
    doublons = doublons.join(cles.select("_lot", "_ligne", premiere), on=["_lot", "_ligne"], how="left")
    resultat = []
    for numero, lot in enumerate(lots):
        du_lot = doublons.filter(pl.col("_lot") == numero)
        if du_lot.is_empty():
            resultat.append(lot)
            continue
        quarantaine = du_lot.select(
            pl.lit(lot.fichier).alias("fichier"),
            pl.col("_ligne").alias("ligne"),
            pl.lit(champ).alias("champ"),
            pl.lit("cle_en_double").alias("regle"),
            (pl.lit(MASQUE_PERSONNEL) if personnel else pl.col(premiere).cast(pl.String)).alias("valeur"),
            pl.concat_str(
                pl.when(pl.col("_en_base"))
                .then(pl.lit("déjà chargée depuis "))
                .otherwise(pl.lit("déjà lue dans ce chargement dans ")),
                pl.col("source"),
                pl.lit(", ligne "),
                pl.col("ligne_source").cast(pl.String),
            ).alias("detail"),
        ).cast(SCHEMA_QUARANTAINE)
        sources = du_lot.group_by("source").len().sort("len", "source", descending=[True, False])
        noms = sources["source"].head(MAX_FICHIERS_NOMMES).to_list()
        autres = f" et {sources.height - len(noms)} autre(s)" if sources.height > len(noms) else ""
        message = (
            f"{du_lot.height} ligne(s) en quarantaine (cle_en_double) : clé déjà chargée ou lue dans "
            f"{', '.join(noms)}{autres}"
        )
        resultat.append(
            replace(
                lot,
                valides=lot.valides.filter(~pl.col("_ligne").is_in(du_lot["_ligne"].implode())),
                quarantaine=pl.concat([lot.quarantaine, quarantaine]).sort("ligne", "champ"),
                message="; ".join(m for m in (lot.message, message) if m),
            )
        )
    return resultat
