"""The pipeline rebuilds and republishes while the dashboard serves: no error on either side.

Readers: the dashboard's own code (AppTest runs of every page, one after the other, as sessions
would), and a session that keeps a connection open to each published file and queries it in a
loop. Writers: a real `aripa build` (dbt, docs, publication), then the publish step alone, run
again and again. The publication writes each scope's file under a temporary name and renames it
over the served one (os.replace): a reader sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

from tests.conftest import CLE_TEST
from tests.test_connexion import APP, PAGES

REQUETE = "select count(*), sum(montant_encaisse_tc) from marts.taux_recouvrement_flux_mensuel"


def aripa_env(donnees: Path) -> dict[str, str]:
    """The environment tests.conftest.aripa gives the CLI."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return env | {"ARIPA_DATA_DIR": str(donnees), "ARIPA_CLE_PSEUDONYMISATION": CLE_TEST}


class Lecteurs(threading.Thread):
    """Keeps a connection open to every published file and queries it, and opens a new one each
    round (as a new session does); records every error."""

    def __init__(self, dossier: Path) -> None:
        super().__init__(daemon=True)
        self.dossier, self.erreurs, self.lectures, self.arret = dossier, [], 0, threading.Event()

    def run(self) -> None:
        ouverts = {f.name: duckdb.connect(str(f), read_only=True) for f in self.dossier.glob("*.duckdb")}
        try:
            while not self.arret.is_set():
                for nom, con in ouverts.items():
                    try:
                        con.execute(REQUETE).fetchall()
                        with duckdb.connect(str(self.dossier / nom), read_only=True) as nouvelle:
                            nouvelle.execute(REQUETE).fetchall()
                        self.lectures += 1
                    except Exception as err:  # any error, recorded for the assertion
                        self.erreurs.append(f"{nom} : {err!r}")
                time.sleep(0.01)
        finally:
            for con in ouverts.values():
                con.close()


def _servir_pendant(processus: subprocess.Popen, donnees: Path, monkeypatch) -> tuple[int, list[str]]:
    """AppTest runs of the pages, in turn, until the writer process ends: (runs, errors)."""
    monkeypatch.setenv("ARIPA_DATA_DIR", str(donnees))
    executions, erreurs = 0, []
    while processus.poll() is None or executions == 0:
        page = PAGES[executions % len(PAGES)]
        at = AppTest.from_file(APP, default_timeout=120).run()
        at.switch_page(page).run()
        executions += 1
        erreurs += [f"{page} : {e.value}" for e in at.exception]
        erreurs += [f"{page} : {e.value}" for e in at.error]
    return executions, erreurs


def test_construire_et_publier_pendant_que_le_tableau_de_bord_sert(petit_entrepot, tmp_path, monkeypatch):
    donnees = tmp_path / "donnees"
    shutil.copytree(petit_entrepot, donnees)
    publication = donnees / "warehouse" / "publication"
    versions_avant = {f.name: f.stat().st_ino for f in publication.glob("*.duckdb")}
    lecteurs = Lecteurs(publication)
    lecteurs.start()
    try:
        # 1. A whole build: dbt holds the warehouse's write lock, then publishes every scope's file.
        construction = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "build"],
            env=aripa_env(donnees),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        executions_build, erreurs_build = _servir_pendant(construction, donnees, monkeypatch)
        sortie = construction.stdout.read()
        assert construction.wait() == 0, sortie
        # 2. The publish step alone, twice in a row, while the pages are read.
        publications = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from pipelines.config import chemins\n"
                "from pipelines.publication import publier\n"
                "for _ in range(2): publier(chemins())",
            ],
            env=aripa_env(donnees),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        executions_pub, erreurs_pub = _servir_pendant(publications, donnees, monkeypatch)
        sortie_pub = publications.stdout.read()
        assert publications.wait() == 0, sortie_pub
    finally:
        lecteurs.arret.set()
        lecteurs.join(timeout=30)
    assert erreurs_build == [] and erreurs_pub == []
    assert lecteurs.erreurs == []
    assert executions_build >= 2 and executions_pub >= 1 and lecteurs.lectures > 50
    # Every published file was replaced (a new inode), so the readers did overlap the swaps.
    versions_apres = {f.name: f.stat().st_ino for f in publication.glob("*.duckdb")}
    assert versions_apres.keys() == versions_avant.keys()
    assert all(versions_apres[n] != versions_avant[n] for n in versions_avant)
    assert not list(publication.glob("*.copie*"))  # no temporary file left behind
