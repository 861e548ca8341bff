"""The pipeline rebuilds and republishes while the dashboard serves: no error on either side.

Readers: the dashboard's own code (AppTest runs of every page, one after the other, as sessions
would), new connections opened and closed in a loop, and another process that keeps a connection
open to each published file and queries it in a loop. Writers: a real `aripa build` (dbt, docs,
publication), then the publish step alone, twice. The publication writes each scope's file under
a temporary name and renames it over the served one (os.replace): a reader sees the old file or
the new one, never half of one.
"""

from __future__ import annotations

import json
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
from tests.test_connexion import APP, PAGES_RESEAU

REQUETE = "select count(*), sum(montant_encaisse_tc) from marts.taux_recouvrement_flux_mensuel"


def aripa_env(donnees: Path) -> dict[str, str]:
    """The environment tests.conftest.aripa gives the CLI."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return env | {"ARIPA_DATA_DIR": str(donnees), "ARIPA_CLE_PSEUDONYMISATION": CLE_TEST}


# A session of another dashboard process: it keeps a connection open to every published file and
# queries it until told to stop. In its own process, because DuckDB shares one database instance per
# path within a process: a connection held here would serve every later connect of the test
# process from the old file, and hide what the swap does to new readers.
LECTEUR_OUVERT = """
import json, sys, time
from pathlib import Path
import duckdb
dossier, arret = Path(sys.argv[1]), Path(sys.argv[2])
ouverts = {f.name: duckdb.connect(str(f), read_only=True) for f in sorted(dossier.glob("*.duckdb"))}
lectures, erreurs = 0, []
while not arret.exists():
    for nom, con in ouverts.items():
        try:
            con.execute(sys.argv[3]).fetchall()
            lectures += 1
        except Exception as err:
            erreurs.append(f"{nom} : {err!r}")
    time.sleep(0.05)
print(json.dumps({"lectures": lectures, "erreurs": erreurs}))
"""


class Lecteurs(threading.Thread):
    """New sessions of this process: a connection opened and closed on every published file, in a
    loop (no connection is held between two reads); records every error."""

    def __init__(self, dossier: Path) -> None:
        super().__init__(daemon=True)
        self.dossier, self.erreurs, self.lectures, self.arret = dossier, [], 0, threading.Event()
        self.noms = sorted(f.name for f in dossier.glob("*.duckdb"))

    def run(self) -> None:
        while not self.arret.is_set():
            for nom in self.noms:
                try:
                    with duckdb.connect(str(self.dossier / nom), read_only=True) as con:
                        con.execute(REQUETE).fetchall()
                    self.lectures += 1
                except Exception as err:  # any error, recorded for the assertion
                    self.erreurs.append(f"{nom} : {err!r}")
            time.sleep(0.05)  # a reader, not a load generator: the build needs the CPU


def _servir_pendant(
    processus: subprocess.Popen, donnees: Path, monkeypatch, pause: float
) -> tuple[int, list[str]]:
    """AppTest runs of the pages, in turn, `pause` seconds apart, until the writer process ends:
    (runs, errors)."""
    monkeypatch.setenv("ARIPA_DATA_DIR", str(donnees))
    executions, erreurs = 0, []
    while processus.poll() is None or executions == 0:
        page = PAGES_RESEAU[executions % len(PAGES_RESEAU)]  # the local demo's national reader
        at = AppTest.from_file(APP, default_timeout=120).run()
        at.switch_page(page).run()
        executions += 1
        erreurs += [f"{page} : {e.value}" for e in at.exception]
        erreurs += [f"{page} : {e.value}" for e in at.error]
        time.sleep(pause)
    return executions, erreurs


def test_construire_et_publier_pendant_que_le_tableau_de_bord_sert(petit_entrepot, tmp_path, monkeypatch):
    donnees = tmp_path / "donnees"
    shutil.copytree(petit_entrepot, donnees)
    publication = donnees / "warehouse" / "publication"
    versions_avant = {f.name: f.stat().st_ino for f in publication.glob("*.duckdb")}
    arret = tmp_path / "arret"
    ouvert = subprocess.Popen(
        [sys.executable, "-c", LECTEUR_OUVERT, str(publication), str(arret), REQUETE],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lecteurs = Lecteurs(publication)
    lecteurs.start()
    try:
        # 1. A whole build: dbt holds the warehouse's write lock, then publishes every scope's file.
        construction = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "build", "--force"],  # a copy: nothing new
            env=aripa_env(donnees),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # dbt's minutes touch no published file: a run every 2 s there, so the build keeps the CPU.
        executions_build, erreurs_build = _servir_pendant(construction, donnees, monkeypatch, 2.0)
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
        executions_pub, erreurs_pub = _servir_pendant(publications, donnees, monkeypatch, 0.0)
        sortie_pub = publications.stdout.read()
        assert publications.wait() == 0, sortie_pub
    finally:
        lecteurs.arret.set()
        lecteurs.join(timeout=30)
        arret.touch()
        sortie_ouvert, erreur_ouvert = ouvert.communicate(timeout=60)
    assert ouvert.returncode == 0, erreur_ouvert
    bilan_ouvert = json.loads(sortie_ouvert)
    assert erreurs_build == [] and erreurs_pub == []
    assert lecteurs.erreurs == [] and bilan_ouvert["erreurs"] == []
    assert executions_build >= 2 and executions_pub >= 1
    assert lecteurs.lectures > 50 and bilan_ouvert["lectures"] > 50
    # Every published file was replaced (a new inode), so the readers did overlap the swaps.
    versions_apres = {f.name: f.stat().st_ino for f in publication.glob("*.duckdb")}
    assert versions_apres.keys() == versions_avant.keys()
    assert all(versions_apres[n] != versions_avant[n] for n in versions_avant)
    assert not list(publication.glob("*.copie*"))  # no temporary file left behind


def _lecture_de_la_page() -> None:
    import streamlit as st

    from dashboards.entrepot import lire

    st.write(f"version {lire('select v from marts.temoin_version').iloc[0, 0]}")


def test_une_nouvelle_session_lit_le_fichier_remplace_meme_s_il_est_ouvert_ailleurs(
    petit_entrepot, tmp_path, monkeypatch
):
    """Another session of the same server still holds the old file when a build swaps the new one
    in: a new session must read the new one (DuckDB would hand it the old database instance)."""
    donnees = tmp_path / "donnees"
    shutil.copytree(petit_entrepot / "warehouse" / "publication", donnees / "warehouse" / "publication")
    servi = donnees / "warehouse" / "publication" / "national.duckdb"
    nouveau = tmp_path / "nouveau.duckdb"
    shutil.copy(servi, nouveau)
    for fichier, version in ((servi, 1), (nouveau, 2)):
        with duckdb.connect(str(fichier)) as con:
            con.execute(f"create table marts.temoin_version as select {version} as v")
    monkeypatch.setenv("ARIPA_DATA_DIR", str(donnees))
    autre_session = duckdb.connect(str(servi), read_only=True)
    try:
        avant = AppTest.from_function(_lecture_de_la_page, default_timeout=60).run()
        os.replace(nouveau, servi)  # as the publication does
        os.utime(servi, (time.time() + 5, time.time() + 5))  # a distinct version even on coarse clocks
        apres = AppTest.from_function(_lecture_de_la_page, default_timeout=60).run()
        assert autre_session.execute("select v from marts.temoin_version").fetchall() == [(1,)]
    finally:
        autre_session.close()
    assert not avant.exception and not apres.exception, (avant.exception, apres.exception)
    assert avant.markdown[0].value == "version 1"
    assert apres.markdown[0].value == "version 2"
