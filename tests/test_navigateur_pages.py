"""Every page in a real browser, as each role sees it: the dashboard served (`aripa dashboard`), Debian's
Chromium driven by Playwright. Saves a screenshot of each page under data/outputs/captures/ (of the
demo build), checks that no request leaves the machine, that a local pilot's CSV download holds
their Caf only, and measures how long an interaction takes (click to the end of the rerun).

Needs /usr/bin/chromium; skipped when it is absent, unless ARIPA_EXIGER_NAVIGATEUR=1.
`ARIPA_PAGES_DONNEES=<data dir>` uses an existing demo build instead of the `demo` fixture.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import CLE_TEST
from tests.test_navigateur import ARGUMENTS_CHROMIUM, CHROMIUM, _port_libre

# Reads the demo build; one worker, so each role's server and the browser start once.
pytestmark = [pytest.mark.browser, pytest.mark.demo, pytest.mark.xdist_group("navigateur_pages")]

ROLES = {"national": "national", "comite": "comite", "caf_311": "caf:311"}
PAGES = {  # url path -> title
    "": "Synthèse du mois",
    "ma_caf": "Ma Caf",
    "comparer_cafs": "Comparer les Caf",
    "taux_recouvrement": "Taux de recouvrement du terme courant",
    "procedures": "Procédures",
    "remises": "Remises de dettes",
    "creances": "Créances",
    "asf_saisies": "ASF et saisies",
    "evaluation_gipa": "Évaluation de l'expérimentation GIPA",
    "qualite": "Qualité des données",
    "definitions": "Définitions des indicateurs",
}
ABSENTES = {"national": {"ma_caf"}, "comite": {"ma_caf"}, "caf_311": {"comparer_cafs"}}
FIN_DU_CALCUL = "[data-testid='stApp'][data-test-script-state='notRunning']"
MESURES: dict[str, list[float]] = {}


@pytest.fixture(scope="module")
def donnees(request) -> Path:
    existant = os.environ.get("ARIPA_PAGES_DONNEES")
    if existant:
        return Path(existant)
    return request.getfixturevalue("demo")["donnees"]


@pytest.fixture(scope="module", params=list(ROLES))
def serveur(request, donnees, tmp_path_factory):
    """One served app per role (the role is the served readers' file), shared by the role's tests."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("ARIPA_EXIGER_NAVIGATEUR") == "1":
            pytest.fail(f"Chromium absent ({CHROMIUM}) alors que ARIPA_EXIGER_NAVIGATEUR=1")
        pytest.skip("Chromium absent : apt-get install chromium")
    role = request.param
    lecteurs = tmp_path_factory.mktemp("lecteurs") / f"{role}.toml"
    lecteurs.write_text(f'[sans_connexion]\nportee = "{ROLES[role]}"\n', encoding="utf-8")
    port = _port_libre()
    env = os.environ | {
        "ARIPA_DATA_DIR": str(donnees),
        "ARIPA_CLE_PSEUDONYMISATION": CLE_TEST,
        "ARIPA_LECTEURS": str(lecteurs),
    }
    processus = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "dashboard", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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
        yield role, f"http://127.0.0.1:{port}"
    finally:
        os.killpg(processus.pid, signal.SIGTERM)
        processus.wait(timeout=30)


@pytest.fixture(scope="module")
def navigateur():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGUMENTS_CHROMIUM)
        try:
            yield chromium
        finally:
            chromium.close()


def _attendre_la_page(page, titre: str) -> None:
    page.wait_for_selector(f'h1:has-text("{titre}")', timeout=90_000)
    page.wait_for_selector(FIN_DU_CALCUL, timeout=90_000)
    page.wait_for_timeout(1500)  # charts and tables (canvas) draw after the script ends


def test_chaque_page_pour_chaque_role(serveur, navigateur, donnees):
    role, url = serveur
    captures = donnees / "outputs" / "captures"
    captures.mkdir(parents=True, exist_ok=True)
    # Tall: Streamlit scrolls inside the page, so a full-page capture is the viewport.
    contexte = navigateur.new_context(viewport={"width": 1440, "height": 2600}, locale="fr-FR")
    dehors: list[str] = []
    contexte.on(
        "request",
        lambda r: (
            dehors.append(r.url) if urllib.parse.urlsplit(r.url).hostname not in ("127.0.0.1", None) else None
        ),
    )
    page = contexte.new_page()
    try:
        for chemin, titre in PAGES.items():
            page.goto(f"{url}/{chemin}", wait_until="domcontentloaded")
            if chemin in ABSENTES[role]:
                page.wait_for_selector(FIN_DU_CALCUL, timeout=90_000)
                assert titre not in page.inner_text("[data-testid='stSidebarNav']"), (role, chemin)
                continue
            _attendre_la_page(page, titre)
            texte = page.inner_text("body")
            for mot in ("Traceback", "Page not found", "NaN", "StreamlitAPIException"):
                assert mot not in texte, (role, chemin, mot)
            page.screenshot(path=str(captures / f"{role}_{chemin or 'synthese'}.png"), full_page=True)
    finally:
        contexte.close()
    assert not dehors, f"requêtes vers d'autres hôtes : {dehors[:5]}"


def test_le_telechargement_d_un_pilote_ne_contient_que_sa_caf(serveur, navigateur, tmp_path):
    role, url = serveur
    if role != "caf_311":
        pytest.skip("le pilote local seulement")
    contexte = navigateur.new_context(
        viewport={"width": 1440, "height": 1200}, locale="fr-FR", accept_downloads=True
    )
    page = contexte.new_page()
    try:
        # The URL names another Caf: the page says it is outside the scope and shows its own Caf only.
        page.goto(
            f"{url}/procedures?niveau=Caf+gestionnaire&zone=Caf+de+la+Gironde", wait_until="domcontentloaded"
        )
        _attendre_la_page(page, "Procédures")
        assert "pas dans votre portée" in page.inner_text("body")
        with page.expect_download() as attente:
            page.get_by_text("Télécharger (CSV)").first.click()
        fichier = tmp_path / "telechargement.csv"
        attente.value.save_as(fichier)
    finally:
        contexte.close()
    contenu = fichier.read_text(encoding="utf-8-sig")
    entete = contenu.splitlines()[0]
    # The page's first table (stock, or entries and exits, depending on the page's layout).
    assert entete.startswith(("Type de procédure;Stade;Procédures actives", "Mois;Type de procédure;Entrées"))
    assert "Gironde" not in contenu and "331" not in contenu
    # Numbers, not formatted text; a masked cell is empty, its row kept and marked « secret » (a
    # masked row came first in one suite run: every row is checked, not the first).
    lignes = [ligne.split(";") for ligne in contenu.splitlines()[1:] if ligne]
    assert any(champs[2].isdigit() for champs in lignes), contenu[:600]
    for champs in lignes:
        assert (champs[2] == "") if champs[-1] == "secret" else champs[2].isdigit(), champs


def _mesurer(page, option) -> float | None:
    """Milliseconds from a click on `option` to the end of the rerun it starts (the app's script
    state goes to running, then back to notRunning), both read from the page's own clock. None
    when the state was never seen running within 15 s (about once in 150 clicks since the reruns
    got faster, never before: taken to be a rerun whose start and end the page drew in one
    update); the option must then be selected and the app idle, else the click was lost and the
    test fails."""
    page.evaluate(
        """() => {
            window.__debut = undefined; window.__fin = undefined;
            document.addEventListener("click", () => { window.__debut = performance.now(); },
                                      {capture: true, once: true});
            const app = document.querySelector("[data-testid='stApp']");
            let lance = false;
            const obs = new MutationObserver(() => {
                const etat = app.getAttribute("data-test-script-state");
                if (etat === "running") lance = true;
                if (lance && etat === "notRunning") { obs.disconnect(); window.__fin = performance.now(); }
            });
            obs.observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
        }"""
    )
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    option.click()
    try:
        page.wait_for_function("window.__fin !== undefined", timeout=15_000)
    except PlaywrightTimeoutError:
        assert option.locator("input").is_checked(), "clic perdu : l'option n'est pas sélectionnée"
        assert page.locator(FIN_DU_CALCUL).count() == 1, "clic sans fin de calcul en 15 s"
        return None
    return page.evaluate("window.__fin - window.__debut")


INTERACTIONS = {  # page -> (title, radio group label); clicking its options in turn
    "taux_recouvrement": ("Taux de recouvrement du terme courant", "Compter les procédures par"),
    "comparer_cafs": ("Comparer les Caf", "Lecture"),
    "creances": ("Créances", "Famille de créances"),
}


def _p95(valeurs: list[float]) -> float:
    return sorted(valeurs)[int(0.95 * (len(valeurs) - 1))]


def test_le_temps_de_chaque_interaction(serveur, navigateur, donnees, tmp_path):
    role, url = serveur
    if role != "national":
        pytest.skip("mesuré pour la Direction (le fichier le plus gros)")
    contexte = navigateur.new_context(viewport={"width": 1440, "height": 1200}, locale="fr-FR")
    page = contexte.new_page()
    # Bytes the server sends over the websocket for each click (the rerun's deltas): what the
    # browser has to decode and redraw.
    recus = [0]
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda trame: recus.__setitem__(0, recus[0] + len(trame))),
    )
    durees: list[float] = []
    non_mesurees = 0
    par_page: dict[str, dict[str, float]] = {}
    try:
        for chemin, (titre, groupe) in INTERACTIONS.items():
            page.goto(f"{url}/{chemin}", wait_until="domcontentloaded")
            _attendre_la_page(page, titre)
            groupe_radio = f"[data-testid='stRadio']:has-text(\"{groupe}\")"
            options = page.locator(f"{groupe_radio} [role='radiogroup'] label")
            n = options.count()
            assert n >= 2
            de_la_page, octets = [], []
            for i in range(12):
                avant = recus[0]
                duree = _mesurer(page, options.nth((i + 1) % n))
                page.wait_for_timeout(200)  # charts redraw after the script ends
                if duree is None:
                    non_mesurees += 1
                elif i >= 2:  # the first clicks fill the cache of each option
                    de_la_page.append(duree)
                    octets.append(recus[0] - avant)
            durees += de_la_page
            par_page[chemin] = {
                "mediane_ms": statistics.median(de_la_page),
                "p95_ms": _p95(de_la_page),
                "octets_recus_mediane": statistics.median(octets),
            }
    finally:
        contexte.close()
    durees.sort()
    p95 = _p95(durees)
    resultat = {
        "interactions": len(durees),
        "mediane_ms": statistics.median(durees),
        "p95_ms": p95,
        "max_ms": durees[-1],
        "clics_trop_rapides_pour_etre_mesures": non_mesurees,
        "par_page": par_page,
    }
    # A build given by ARIPA_PAGES_DONNEES may be another run's, not to be written to: the
    # figures then go to $ARIPA_CAPTURES (or the test's temporary directory).
    if os.environ.get("ARIPA_PAGES_DONNEES"):
        sortie = Path(os.environ.get("ARIPA_CAPTURES") or tmp_path)
    else:
        sortie = donnees / "outputs" / "captures"
    sortie.mkdir(parents=True, exist_ok=True)
    (sortie / "temps_interactions.json").write_text(json.dumps(resultat, indent=2))
    print(f"temps des interactions (ms) : {resultat}")
    assert non_mesurees <= 3, resultat
    assert p95 < 3000, resultat  # a guard against a regression; the goal (300 ms) is reported, not asserted
    if os.environ.get("ARIPA_CAPTURES") and not os.environ.get("ARIPA_PAGES_DONNEES"):
        shutil.copytree(
            donnees / "outputs" / "captures", Path(os.environ["ARIPA_CAPTURES"]), dirs_exist_ok=True
        )
