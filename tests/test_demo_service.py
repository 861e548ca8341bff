"""`aripa demo` serves the dashboard from the first publication: the newcomer reads the pages
while the forecasts, the evaluation and the report are computed, and no server outlives the run.

The steps are replaced by stand-ins that record the order (the real chain is the `demo` fixture's,
run with --no-serve), and the dashboard by a small HTTP server, so the test takes seconds."""

from __future__ import annotations

import socket
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
from typer.testing import CliRunner

from pipelines import cli

# The stand-in dashboard: answers on its port until the file named by argv[2] appears.
SERVEUR = """
import http.server, sys, threading, time, pathlib
serveur = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler)
threading.Thread(target=serveur.serve_forever, daemon=True).start()
while not pathlib.Path(sys.argv[2]).exists():
    time.sleep(0.05)
"""


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _repond(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _chaine(monkeypatch, tmp_path: Path, port: int, echec: str | None = None) -> list[str]:
    journal: list[str] = []
    arret = tmp_path / "arret"

    def etape(nom: str):
        def faire(*_args, **_kwargs) -> None:
            journal.append(f"{nom} servi={_repond(port)}")
            if nom == echec:
                raise cli.EtapeEchouee(f"{nom} en échec (test)")
            if nom == "rapport":
                arret.touch()  # the stand-in server stops: the demo's wait on it returns

        return faire

    for nom, fonction in (
        ("generation", "_generer"),
        ("ingestion", "_ingerer"),
        ("construction", "_construire"),
        ("documentation", "_documenter"),
        ("prevision", "_prevoir"),
        ("evaluation", "_evaluer"),
        ("rapport", "_rapport"),
    ):
        monkeypatch.setattr(cli, fonction, etape(nom))

    def commande(_c, port_demande: int, hote: str = "127.0.0.1"):
        assert (port_demande, hote) == (port, "127.0.0.1")
        return [sys.executable, "-c", SERVEUR, str(port), str(arret)], {}

    monkeypatch.setattr(cli, "_commande_serveur", commande)
    # The stand-in server needs a moment to bind: the first served step waits for it.
    attente = cli.subprocess.Popen

    def lancer(*args, **kwargs):
        processus = attente(*args, **kwargs)
        journal.append(f"serveur {processus.pid}")
        fin = time.monotonic() + 20
        while not _repond(port) and time.monotonic() < fin:
            time.sleep(0.05)
        return processus

    monkeypatch.setattr(cli.subprocess, "Popen", lancer)
    return journal


def test_la_demo_sert_des_la_premiere_publication(monkeypatch, tmp_path):
    port = _port_libre()
    journal = _chaine(monkeypatch, tmp_path, port)
    resultat = CliRunner().invoke(cli.app, ["demo", "--port", str(port), "--data-dir", str(tmp_path)])
    assert resultat.exit_code == 0, resultat.output
    assert [ligne.split(" ")[0] for ligne in journal] == [
        "generation",
        "ingestion",
        "construction",
        "serveur",
        "documentation",
        "prevision",
        "evaluation",
        "rapport",
    ]
    servi = {ligne.split(" ")[0]: ligne.endswith("servi=True") for ligne in journal if "servi=" in ligne}
    assert servi == {
        "generation": False,
        "ingestion": False,
        "construction": False,
        "documentation": True,
        "prevision": True,
        "evaluation": True,
        "rapport": True,
    }
    assert "Tableau de bord sur http://127.0.0.1" in resultat.output
    assert "Démonstration prête" in resultat.output


@pytest.mark.parametrize("echec", ["prevision", "rapport"])
def test_une_etape_en_echec_apres_le_service_arrete_le_serveur(monkeypatch, tmp_path, echec):
    port = _port_libre()
    journal = _chaine(monkeypatch, tmp_path, port, echec=echec)
    resultat = CliRunner().invoke(cli.app, ["demo", "--port", str(port), "--data-dir", str(tmp_path)])
    assert resultat.exit_code == 1, resultat.output
    assert f"{echec} en échec (test)" in resultat.output
    assert "Démonstration prête" not in resultat.output
    (pid,) = [int(ligne.split(" ")[1]) for ligne in journal if ligne.startswith("serveur")]
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not _repond(port)


def test_sans_service_aucun_serveur(monkeypatch, tmp_path):
    port = _port_libre()
    journal = _chaine(monkeypatch, tmp_path, port)
    resultat = CliRunner().invoke(cli.app, ["demo", "--no-serve", "--data-dir", str(tmp_path)])
    assert resultat.exit_code == 0, resultat.output
    assert not any(ligne.startswith("serveur") for ligne in journal)
