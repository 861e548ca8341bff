"""`aripa build --target spark`: the same chain as on DuckDB, with Spark building the marts.

raw handoff (Parquet, pipelines/ingestion/parquet.py; rewritten when the warehouse's manifest moved
since it was written) -> dbt build on the `spark` target of dbt/profiles.yml, whose on-run-start
declares the handoff as the `raw` sources -> the marts the publication reads, written from Spark
to Parquet (pipelines/passage_marts.py) -> the one publish step, reading them through an in-memory
DuckDB, writes the same per-scope files the dashboards and the report read.

Ingestion stays on DuckDB: its uniqueness checks, manifest and withdrawals need the warehouse. Spark
keeps its metastore (Derby), log and tables under `<data>/spark/` (git-ignored).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path

from pipelines import format_fr
from pipelines.config import Chemins
from pipelines.construction import ResultatConstruction, executer_dbt

CIBLE = "spark"


def dossier_spark(chemins: Chemins) -> Path:
    return chemins.donnees / "spark"


def preparer_passage_brut(chemins: Chemins, progression: Callable[[str], None]) -> Path:
    """The raw handoff of the warehouse's current state (written again only if it moved)."""
    from pipelines.ingestion.parquet import (
        ecrire_passage_brut,
        empreinte_entrepot,
        empreinte_passage,
        lien_passage,
    )

    if empreinte_passage(chemins.donnees) == empreinte_entrepot(chemins.entrepot):
        progression(f"passage Parquet des tables raw à jour : {lien_passage(chemins.donnees)}")
    else:
        passage = ecrire_passage_brut(chemins.entrepot, chemins.donnees)
        lignes = format_fr.nombre(sum(passage.tables.values()))
        progression(f"passage Parquet des tables raw écrit ({lignes} lignes) : {passage.dossier}")
    return lien_passage(chemins.donnees).resolve()


def environnement_spark(chemins: Chemins, passage_brut: Path) -> dict[str, str]:
    """What the `spark` target of dbt/profiles.yml reads."""
    dossier_spark(chemins).mkdir(parents=True, exist_ok=True)
    return {
        "ARIPA_SPARK_DIR": str(dossier_spark(chemins)),
        "ARIPA_PASSAGE_BRUT": str(passage_brut),
    }


def construire_spark(
    chemins: Chemins,
    progression: Callable[[str], None] = lambda _: None,
    reconstruire: bool = False,
    tests_unitaires: bool = False,
) -> ResultatConstruction:
    """dbt build on Spark from the raw handoff, then the marts handoff the publication reads."""
    if importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("dbt.adapters.spark") is None:
        raise ValueError(
            "la cible spark demande l'extra spark : python3 -m uv sync --locked --extra spark "
            "(dbt-spark[session], pyspark ; Java 17)"
        )
    passage_brut = preparer_passage_brut(chemins, progression)
    os.environ.update(environnement_spark(chemins, passage_brut))
    bilan = executer_dbt(
        chemins,
        progression=progression,
        reconstruire=reconstruire,
        cible=CIBLE,
        tests_unitaires=tests_unitaires,
    )
    if not bilan.succes:
        return bilan
    from pyspark.sql import SparkSession

    from pipelines.passage_marts import ecrire_passage_marts, marts_a_exporter

    # dbt-spark's session method made the process's Spark session: the same one, with its metastore.
    spark = SparkSession.builder.getOrCreate()
    lignes = ecrire_passage_marts(spark, chemins, marts_a_exporter(chemins))
    progression(
        f"{len(lignes)} marts écrites en Parquet pour la publication "
        f"({format_fr.nombre(sum(lignes.values()))} lignes)"
    )
    return bilan
