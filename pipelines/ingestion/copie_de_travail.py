"""A run loads into a working copy of the warehouse, which replaces the warehouse only at the end.

Why not one transaction, as before: DuckDB keeps the rows appended inside an open transaction in
memory until the commit, outside its `memory_limit` (measured on 12.2 M payment rows: 2.69 GB in
one transaction, 0.73 GB committed every three files). The national initial load (46.8 M rows) in
one transaction peaked at 10.9 GB, most of it those rows. So the run commits batch by batch,
but on a copy of the warehouse file; once every file is through, the copy is renamed over the
warehouse (atomic on one file system). A run killed or failing mid-way leaves the warehouse
exactly as it was, as the single transaction did; its leftover copy is removed by the next run.

The warehouse stays open (so locked, DuckDB taking a file lock) for the whole run: no other
process, a build for instance, can write into it meanwhile and lose its work at the swap.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb


def chemin_copie(entrepot: Path) -> Path:
    return entrepot.with_name(entrepot.name + ".chargement")


def _effacer(copie: Path) -> None:
    for reste in (copie, copie.with_name(copie.name + ".wal")):
        reste.unlink(missing_ok=True)


@contextmanager
def copie_de_travail(
    original: duckdb.DuckDBPyConnection, entrepot: Path, config: dict[str, str], mode: int
) -> Iterator[duckdb.DuckDBPyConnection]:
    """`original`: an open read-write connection to `entrepot`, held by the caller for the run.
    Yields a connection to the copy; on a normal exit the copy replaces the warehouse, on an
    exception (or a kill) the warehouse is untouched."""
    copie = chemin_copie(entrepot)
    _effacer(copie)  # an earlier run's, killed before its swap
    original.execute("checkpoint")  # everything committed is in the file itself, none in its WAL
    shutil.copyfile(entrepot, copie)
    os.chmod(copie, mode)
    try:
        with duckdb.connect(str(copie), config=config) as con:
            yield con
            con.execute("checkpoint")
    except BaseException:
        _effacer(copie)
        raise
    os.replace(copie, entrepot)
