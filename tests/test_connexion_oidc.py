"""Sign-in through OpenID Connect, end to end: a real provider (oidc-provider-mock) on loopback,
`aripa dashboard` configured against it (an [auth] secrets file), Debian's Chromium driven by
Playwright through the provider's authorisation page and back; the scope comes from the
identity's `groups` claim through config/lecteurs.toml.

Needs /usr/bin/chromium, like tests/test_navigateur.py (skipped without it unless
ARIPA_EXIGER_NAVIGATEUR=1).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import CLE_TEST
from tests.test_navigateur import ARGUMENTS_CHROMIUM, CHROMIUM, _port_libre

pytestmark = pytest.mark.browser

IDENTITES = [
    # A Caf 311 pilot, by group only (its e-mail is not in lecteurs.toml [comptes]).
    {"sub": "pilote311", "email": "pilote@caf311.example", "groups": ["caf-311-pilotage", "tous-agents"]},
    # A member of the Direction.
    {"sub": "direction", "email": "agent@aripa.example", "groups": ["aripa-direction"]},
    # Signed in at the provider, but no group lecteurs.toml knows: refused.
    {"sub": "inconnu", "email": "stagiaire@aripa.example", "groups": ["tous-agents"]},
]


def _attendre(url: str, processus: subprocess.Popen, secondes: int = 60) -> None:
    limite = time.monotonic() + secondes
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            pass
        if time.monotonic() > limite or processus.poll() is not None:
            sortie = processus.stdout.read().decode() if processus.poll() is not None else ""
            pytest.fail(f"{url} ne répond pas en {secondes} s\n{sortie}")
        time.sleep(0.3)


def _arreter(processus: subprocess.Popen) -> None:
    os.killpg(processus.pid, signal.SIGTERM)
    processus.wait(timeout=30)


@pytest.fixture
def serveurs(petit_entrepot, tmp_path):
    if not Path(CHROMIUM).exists():
        if os.environ.get("ARIPA_EXIGER_NAVIGATEUR") == "1":
            pytest.fail(f"Chromium absent ({CHROMIUM}) alors que ARIPA_EXIGER_NAVIGATEUR=1")
        pytest.skip("Chromium absent : apt-get install chromium")
    donnees = tmp_path / "donnees"
    shutil.copytree(petit_entrepot / "warehouse" / "publication", donnees / "warehouse" / "publication")
    port_oidc, port_app = _port_libre(), _port_libre()
    fournisseur = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "oidc_provider_mock",
            "--host",
            "127.0.0.1",
            "--port",
            str(port_oidc),
            *[a for identite in IDENTITES for a in ("--user-claims", json.dumps(identite))],
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    secrets_toml = tmp_path / "secrets.toml"
    secrets_toml.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port_app}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "aripa-tableau-de-bord"\n'
        f'client_secret = "{secrets.token_hex(16)}"\n'
        f'server_metadata_url = "http://127.0.0.1:{port_oidc}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")} | {
        "ARIPA_DATA_DIR": str(donnees),
        "ARIPA_CLE_PSEUDONYMISATION": CLE_TEST,
        "ARIPA_SECRETS_STREAMLIT": str(secrets_toml),
    }
    tableau = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "dashboard", "--port", str(port_app)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _attendre(f"http://127.0.0.1:{port_oidc}/.well-known/openid-configuration", fournisseur)
        _attendre(f"http://127.0.0.1:{port_app}/_stcore/health", tableau)
        yield f"http://127.0.0.1:{port_app}"
    finally:
        _arreter(tableau)
        _arreter(fournisseur)


def _se_connecter(navigateur, url: str, sujet: str, captures: Path) -> tuple[str, int]:
    """Open the dashboard, sign in at the provider as `sujet`; the page text and its KPI count."""
    contexte = navigateur.new_context(viewport={"width": 1400, "height": 1200}, locale="fr-FR")
    page = contexte.new_page()
    try:
        page.goto(f"{url}/", wait_until="domcontentloaded")
        # A cold server needs 12 to 22 s before the first page is drawn (stack notes).
        page.get_by_role("button", name="Se connecter").click(timeout=90_000)
        # The provider's authorisation page: one button per predefined identity.
        page.locator(f"button[name='sub'][value='{sujet}']").click(timeout=30_000)
        page.wait_for_url(f"{url}/**", timeout=30_000)
        page.wait_for_selector("text=/portée|Accès refusé/", timeout=90_000)
        if page.get_by_text("Accès refusé").count():
            time.sleep(3)  # time for anything that would be drawn after the refusal
        else:
            page.wait_for_selector("[data-testid='stMetricValue']", timeout=60_000)  # the page, read
        texte = page.inner_text("body")
        metriques = page.locator("[data-testid='stMetricValue']").count()
        page.screenshot(path=str(captures / f"connexion_oidc_{sujet}.png"), full_page=True)
        if "Connecté" in texte:  # signing out brings the sign-in button back
            page.get_by_role("button", name="Se déconnecter").click()
            # The provider's end-session page, then back to the dashboard, signed out.
            page.get_by_role("button", name="End session").click(timeout=30_000)
            page.get_by_role("button", name="Se connecter").wait_for(timeout=60_000)
        return texte, metriques
    finally:
        contexte.close()


def test_la_portee_vient_des_groupes_du_fournisseur_d_identite(serveurs, tmp_path):
    from playwright.sync_api import sync_playwright

    captures = Path(os.environ.get("ARIPA_CAPTURES") or tmp_path)

    with sync_playwright() as p:
        navigateur = p.chromium.launch(executable_path=CHROMIUM, args=ARGUMENTS_CHROMIUM)
        try:
            pilote, direction, inconnu = (
                _se_connecter(navigateur, serveurs, sujet, captures)
                for sujet in ("pilote311", "direction", "inconnu")
            )
        finally:
            navigateur.close()
    assert "Connecté : pilote@caf311.example · portée : Caf 311" in pilote[0]
    assert "Connecté : agent@aripa.example · portée : France entière" in direction[0]
    assert "Accès refusé : le compte stagiaire@aripa.example n'a pas de portée" in inconnu[0]
    assert pilote[1] > 0 and direction[1] > 0  # the page was drawn for both
    assert inconnu[1] == 0  # nothing read for the refused identity
