"""Run an extract's Great Expectations suite on the rows of one load, and say which rows fail.

Great Expectations is imported here only (it costs ~10 s and ~260 MB), and runs on pandas
frames (its DuckDB data source does not work: stack notes). The rows of all the files of one
extract in a load are validated together, so the suite runs once per extract, not per file.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from functools import cached_property

import polars as pl

from pipelines.contrat import Extraction, codes_caf
from pipelines.validation.suites import PARAMETRE_CAFS, lire_suite

# Expectations judged row by row, which is what lets ingestion run a suite on its rows in chunks and
# add the counts up (executer.valider_lots): a suite with another kind (uniqueness, a column mean…)
# is refused rather than judged chunk by chunk.
ATTENTES_LIGNE_A_LIGNE = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
        "expect_column_pair_values_a_to_be_greater_than_b",
    }
)
RANG = "_rang"  # row id across the load, used by Great Expectations to name failing rows
SCHEMA_ECHECS = {RANG: pl.Int64, "colonne": pl.String, "champ": pl.String, "regle": pl.String}
SCHEMA_RESULTATS = {
    "extraction": pl.String,
    "attente": pl.String,
    "colonne": pl.String,
    "regle": pl.String,
    "lignes_validees": pl.Int64,
    "lignes_en_echec": pl.Int64,
    "succes": pl.Boolean,
}


@dataclass(frozen=True)
class Verification:
    echecs: pl.DataFrame  # SCHEMA_ECHECS: one row per (row, failed expectation)
    resultats: pl.DataFrame  # SCHEMA_RESULTATS: one row per expectation of the suite


class Verificateur:
    """One Great Expectations context for a whole ingestion run."""

    def __init__(self) -> None:
        self._prechauffage: threading.Thread | None = None

    def prechauffer(self) -> None:
        """Import Great Expectations and build its context on another thread (~6 s of CPU on this
        machine: py-spy, demo load, 12 % of the run), while the first files are read and checked.
        Called once there is something to validate: a run with nothing new never imports it. A
        failure here is not lost: the first `verifier` builds the context again and raises it."""
        if self._prechauffage is None:
            self._prechauffage = threading.Thread(
                target=self._prechauffer, name="great_expectations", daemon=True
            )
            self._prechauffage.start()

    def attendre(self) -> None:
        """The background import done (before a validation, and at the end of a run: no thread
        left importing while the interpreter exits)."""
        if self._prechauffage is not None:
            self._prechauffage.join()

    def _prechauffer(self) -> None:
        try:
            self._definition  # noqa: B018 (the cached property is what is built)
        except Exception:  # raised again, on this run's thread, by the first verifier()
            return

    @cached_property
    def _definition(self):
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.execution_engine import pandas_execution_engine

        # Great Expectations fingerprints every frame under 1 GB (HASH_THRESHOLD) for its batch
        # markers, which nothing here reads: on pyarrow-backed strings pandas hashes value by value
        # in Python. Profiled (py-spy) on the national plan: 83 % of the validation time. A whole
        # extract was over 1 GB and skipped it; chunks of 1 M rows are not, which is why the chunked
        # validation of payments went from 36.8 s to 1 min 26 s. Never fingerprint.
        pandas_execution_engine.HASH_THRESHOLD = 0

        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        contexte = gx.get_context(mode="ephemeral")
        contexte.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        source = contexte.data_sources.add_pandas("extractions")
        return source.add_dataframe_asset("lot").add_batch_definition_whole_dataframe("lot_entier")

    def _suite(self, extraction: Extraction):
        from great_expectations.core.expectation_suite import ExpectationSuite
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        document = lire_suite(extraction.nom)
        autres = {a["type"] for a in document["expectations"]} - ATTENTES_LIGNE_A_LIGNE
        if autres or any("mostly" in a.get("kwargs", {}) for a in document["expectations"]):
            raise ValueError(
                f"suite {extraction.nom} : attente qui ne se juge pas ligne à ligne "
                f"({', '.join(sorted(autres)) or 'mostly'}) : la validation par tranches la fausserait"
            )
        return ExpectationSuite(
            name=document["name"],
            expectations=[ExpectationConfiguration(**attente) for attente in document["expectations"]],
        )

    def verifier(self, extraction: Extraction, lignes: pl.DataFrame) -> Verification:
        """Run the suite: the failing rows by `_rang`, and the result of each expectation."""
        if lignes.is_empty():
            return Verification(pl.DataFrame(schema=SCHEMA_ECHECS), pl.DataFrame(schema=SCHEMA_RESULTATS))
        self.attendre()  # its context, not a second one built beside it
        utiles = [c for c in lignes.columns if c not in ("_fichier", "_ligne", "_lot")]
        cadre = (
            lignes.select(utiles)
            .with_columns(pl.col(pl.Decimal).cast(pl.Float64))
            .to_pandas(use_pyarrow_extension_array=True)
        )
        # Range expectations are vectorised only on numpy int/float columns; on pyarrow-backed ones
        # Great Expectations calls a Python function per value (py-spy, national plan: 44 % of the
        # validation). Numbers go to numpy float64: amounts were floats already, the integers are
        # far below 2**53 (exact), and a null becomes NaN, which its null-skipping treats alike.
        numeriques = [c for c, t in lignes.schema.items() if c in utiles and c != RANG and t.is_numeric()]
        cadre[numeriques] = cadre[numeriques].astype("float64")
        batch = self._definition.get_batch(batch_parameters={"dataframe": cadre})
        resultat = batch.validate(
            self._suite(extraction),
            expectation_parameters={PARAMETRE_CAFS: list(codes_caf())},
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [RANG]},
        )
        echecs, resultats = [], []
        for res in resultat.results:
            if res.exception_info and res.exception_info.get("raised_exception"):
                raise RuntimeError(
                    f"suite {extraction.nom} : l'attente {res.expectation_config.type} n'a pas pu être "
                    f"évaluée ({res.exception_info.get('exception_message')})"
                )
            meta = res.expectation_config.meta
            colonne = meta["colonne"]
            indices = res.result.get("unexpected_index_list") or []
            resultats.append(
                (
                    extraction.nom,
                    res.expectation_config.type,
                    colonne,
                    meta["regle"],
                    lignes.height,
                    len(indices),
                    bool(res.success),
                )
            )
            for index in indices:
                echecs.append((int(index[RANG]), colonne, meta["champ"], meta["regle"]))
        return Verification(
            pl.DataFrame(echecs, schema=SCHEMA_ECHECS, orient="row"),
            pl.DataFrame(resultats, schema=SCHEMA_RESULTATS, orient="row"),
        )
