"""The dashboard in a real browser: `aripa dashboard` served, Debian's Chromium driven by Playwright.

Needs /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it). Skipped when it is absent,
unless ARIPA_EXIGER_NAVIGATEUR=1 (set by .ci/run), where its absence fails the test.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipelines import format_fr
from tests.conftest import CLE_TEST, requete

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGUMENTS_CHROMIUM = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serveur(demo):
    if not Path(CHROMIUM).exists():
        if os.environ.get("ARIPA_EXIGER_NAVIGATEUR") == "1":
            pytest.fail(f"Chromium absent ({CHROMIUM}) alors que ARIPA_EXIGER_NAVIGATEUR=1")
        pytest.skip("Chromium absent : apt-get install chromium")
    port = _port_libre()
    env = os.environ | {"ARIPA_DATA_DIR": str(demo["donnees"]), "ARIPA_CLE_PSEUDONYMISATION": CLE_TEST}
    processus = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "dashboard", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        limite = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reponse:
                    if reponse.read() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > limite or processus.poll() is not None:
                pytest.fail("le tableau de bord n'a pas démarré en 60 s")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(processus.pid, signal.SIGTERM)
        processus.wait(timeout=30)


def test_la_page_s_affiche_dans_chromium_avec_le_kpi(serveur, demo):
    from playwright.sync_api import sync_playwright

    base = demo["donnees"] / "warehouse" / "publication" / "national.duckdb"
    (taux,) = requete(
        base,
        "select taux_recouvrement_tc from marts.taux_recouvrement_flux_mensuel "
        "where niveau = 'national' and code_procedure = 'ENSEMBLE' order by mois desc limit 1",
    )[0]
    capture = demo["donnees"] / "outputs" / "taux_recouvrement.png"
    capture.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        navigateur = p.chromium.launch(executable_path=CHROMIUM, args=ARGUMENTS_CHROMIUM)
        try:
            page = navigateur.new_page(viewport={"width": 1400, "height": 1500}, locale="fr-FR")
            page.goto(f"{serveur}/taux_recouvrement", wait_until="domcontentloaded")
            # A cold server needs 12 to 22 s before the first chart is drawn (stack notes).
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=90_000)
            page.wait_for_selector("[data-testid='stMetricValue']", timeout=30_000)
            texte = page.inner_text("body")
            tableaux = page.locator("[data-testid='stDataFrame']").count()
            page.screenshot(path=str(capture), full_page=True)
        finally:
            navigateur.close()
    assert "Page not found" not in texte
    assert "Taux de recouvrement du terme courant" in texte
    assert format_fr.pourcentage(taux) in texte
    assert "Par Caf gestionnaire, douze derniers mois de la période" in texte
    assert tableaux >= 1  # the table is drawn on a canvas: its cells are not in the page text
    assert capture.stat().st_size > 20_000
    if os.environ.get("ARIPA_CAPTURES"):
        shutil.copy(capture, Path(os.environ["ARIPA_CAPTURES"]) / capture.name)
