"""Sign-in and the reader's scope: local accounts, the gate of the dashboard, and every route by
which a local pilot might reach another Caf's detail (URL parameters, a forged st.user, the raw
published files, Streamlit's own HTTP endpoints). The OpenID Connect path end to end is in
tests/test_connexion_oidc.py.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from dashboards.connexion import CLE_COMPTE
from pipelines import comptes
from pipelines.acces import HoteRefuse, est_boucle_locale, verifier_hote
from pipelines.portees import Portee, PorteeInconnue, configuration
from tests.conftest import CLE_TEST, aripa, requete
from tests.test_navigateur import _port_libre

RACINE = Path(__file__).resolve().parents[1]
APP = str(RACINE / "dashboards" / "app.py")
PAGES = sorted(f"vues/{p.name}" for p in (RACINE / "dashboards" / "vues").glob("*.py"))
# The navigation depends on the scope (dashboards/app.py): « Ma Caf » for a pilot only, « Comparer
# les Caf » for everyone else (its address serves the default page to a pilot).
PAGES_PILOTE = [p for p in PAGES if p != "vues/comparer_cafs.py"]
PAGES_RESEAU = [p for p in PAGES if p != "vues/ma_caf.py"]
MOT_DE_PASSE = "correct cheval pile agrafe"
DIRECTION = "direction@aripa.example"
PILOTE_311 = "pilote@caf311.example"
# Every name a page could take a zone, a Caf or a scope from in its URL, pointed at another Caf.
URL_HOSTILE = {
    "caf": "901",
    "code_caf": "901",
    "zone": "901",
    "code_zone": "901",
    "niveau": "caf_gestionnaire",
    "type_zone": "caf",
    "portee": "national",
    "scope": "national",
    "email": DIRECTION,
    "compte": DIRECTION,
    "fichier": "national.duckdb",
}


# --- local accounts --------------------------------------------------------------------------------


def test_un_compte_garde_une_empreinte_argon2id_jamais_le_mot_de_passe(tmp_path):
    fichier = tmp_path / "comptes" / "comptes.json"
    comptes.ajouter(fichier, " Pilote@Caf311.example ", Portee("caf", "311"), MOT_DE_PASSE)
    texte = fichier.read_text(encoding="utf-8")
    assert MOT_DE_PASSE not in texte and "$argon2id$" in texte
    assert stat.S_IMODE(fichier.stat().st_mode) == 0o600
    assert stat.S_IMODE(fichier.parent.stat().st_mode) == 0o700
    lus = comptes.lire_comptes(fichier)
    assert list(lus) == [PILOTE_311] and lus[PILOTE_311].portee == Portee("caf", "311")
    assert comptes.verifier(lus, "PILOTE@caf311.example", MOT_DE_PASSE) == lus[PILOTE_311]
    assert comptes.verifier(lus, PILOTE_311, MOT_DE_PASSE + "x") is None
    assert comptes.verifier(lus, "autre@caf311.example", MOT_DE_PASSE) is None
    with pytest.raises(comptes.CompteInvalide, match="12 caractères"):
        comptes.ajouter(fichier, PILOTE_311, Portee("caf", "311"), "court")
    comptes.retirer(fichier, PILOTE_311)
    assert comptes.lire_comptes(fichier) == {}
    with pytest.raises(comptes.CompteInvalide, match="aucun compte"):
        comptes.retirer(fichier, PILOTE_311)


def test_la_portee_d_un_compte_local_passe_par_lecteurs_toml(tmp_path):
    fichier = tmp_path / "comptes.json"
    sans = configuration(comptes_locaux=fichier)
    assert sans["sans_connexion"] == {"portee": "national"}  # no account yet: the local demo
    comptes.ajouter(fichier, PILOTE_311, Portee("caf", "311"), MOT_DE_PASSE)
    avec = configuration(comptes_locaux=fichier)
    assert avec["comptes"][PILOTE_311] == "caf:311"
    assert avec["comptes"]["direction.pilotage@aripa.example"] == "national"  # lecteurs.toml's own
    assert "sans_connexion" not in avec  # one account: everyone signs in
    # lecteurs.toml gives this e-mail caf:331: an account giving it another scope is refused.
    comptes.ajouter(fichier, "pilote.recouvrement@caf331.example", Portee("caf", "311"), MOT_DE_PASSE)
    with pytest.raises(PorteeInconnue, match=r"caf:331 dans lecteurs\.toml et caf:311"):
        configuration(comptes_locaux=fichier)


def test_aripa_account_ne_montre_jamais_le_mot_de_passe(tmp_path, monkeypatch):
    monkeypatch.setenv("ARIPA_MOT_DE_PASSE", MOT_DE_PASSE)
    ajout = aripa("account", "add", PILOTE_311, "--scope", "caf:311", donnees=tmp_path)
    assert ajout.returncode == 0, ajout.stdout + ajout.stderr
    assert f"Compte {PILOTE_311} enregistré, portée caf:311" in ajout.stdout
    assert "n'est pas encore publié : lancer `aripa build`" in ajout.stdout
    liste = aripa("account", "list", donnees=tmp_path)
    refus = aripa("account", "add", "x@caf999.example", "--scope", "caf:999", donnees=tmp_path)
    assert refus.returncode == 1 and "Caf inconnue du réseau : caf:999" in refus.stdout
    sans_portee = aripa("account", "add", "x@example.org", donnees=tmp_path)
    assert sans_portee.returncode == 1 and "préciser --scope" in sans_portee.stdout
    retrait = aripa("account", "remove", PILOTE_311, donnees=tmp_path)
    assert retrait.returncode == 0 and comptes.lire_comptes(tmp_path / "comptes" / "comptes.json") == {}
    for sortie in (ajout, liste, refus, retrait):
        assert MOT_DE_PASSE not in sortie.stdout + sortie.stderr
        assert "$argon2" not in sortie.stdout + sortie.stderr
    assert PILOTE_311 in liste.stdout and "caf:311" in liste.stdout


# --- the address the server listens on -------------------------------------------------------------


def test_une_adresse_autre_que_la_boucle_locale_exige_une_connexion():
    assert est_boucle_locale("127.0.0.1") and est_boucle_locale("localhost") and est_boucle_locale("::1")
    assert not est_boucle_locale("0.0.0.0") and not est_boucle_locale("tableau.aripa.example")
    verifier_hote("127.0.0.1", connexion=False)
    verifier_hote("0.0.0.0", connexion=True)
    with pytest.raises(HoteRefuse, match="sans connexion"):
        verifier_hote("0.0.0.0", connexion=False)


def _ecoute(port: int) -> set[str]:
    """Local addresses listening on `port` (IPv4 and IPv6, from /proc/net/tcp and tcp6)."""
    adresses = set()
    for table in ("tcp", "tcp6"):
        for ligne in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            locale, etat = ligne.split()[1], ligne.split()[3]
            hexa, port_hexa = locale.split(":")
            if etat != "0A" or int(port_hexa, 16) != port:  # 0A: LISTEN
                continue
            if table == "tcp":
                adresses.add(".".join(str(int(hexa[i : i + 2], 16)) for i in (6, 4, 2, 0)))
            else:  # four 32-bit words, each in host (little-endian) order
                octets = b"".join(bytes.fromhex(hexa[i : i + 8])[::-1] for i in range(0, 32, 8))
                adresses.add(str(ipaddress.IPv6Address(octets)))
    return adresses


def _servir(donnees: Path, *options: str) -> tuple[subprocess.Popen, int]:
    port = _port_libre()
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env |= {"ARIPA_DATA_DIR": str(donnees), "ARIPA_CLE_PSEUDONYMISATION": CLE_TEST}
    processus = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "dashboard", "--port", str(port), *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    limite = time.monotonic() + 60
    while not _ecoute(port):
        if processus.poll() is not None or time.monotonic() > limite:
            _arreter(processus)
            pytest.fail(f"le tableau de bord n'écoute pas sur {port} : {processus.stdout.read().decode()}")
        time.sleep(0.3)
    return processus, port


def _arreter(processus: subprocess.Popen) -> None:
    if processus.poll() is None:
        os.killpg(processus.pid, signal.SIGTERM)
    processus.wait(timeout=30)


@pytest.fixture
def publie(petit_entrepot, tmp_path) -> Path:
    """A copy of the hand-computed set's published files (national, comite, caf_311, caf_331)."""
    donnees = tmp_path / "donnees"
    shutil.copytree(petit_entrepot / "warehouse" / "publication", donnees / "warehouse" / "publication")
    return donnees


def test_le_serveur_n_ecoute_que_sur_127_0_0_1_sauf_host_avec_connexion(publie):
    processus, port = _servir(publie)
    try:
        assert _ecoute(port) == {"127.0.0.1"}
    finally:
        _arreter(processus)
    refus = aripa("dashboard", "--host", "0.0.0.0", "--port", str(_port_libre()), donnees=publie)
    assert refus.returncode == 1 and "sans connexion" in refus.stdout
    comptes.ajouter(publie / "comptes" / "comptes.json", DIRECTION, Portee("national"), MOT_DE_PASSE)
    processus, port = _servir(publie, "--host", "0.0.0.0")
    try:
        assert _ecoute(port) == {"0.0.0.0"}
    finally:
        _arreter(processus)


# --- the gate, in AppTest ----------------------------------------------------------------------------


class _ConnexionEspionnee:
    """A DuckDB connection that records the files attached to it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, ouverts: list[str]) -> None:
        self._con, self._ouverts = con, ouverts

    def execute(self, sql: str, parametres=None):
        if sql.lstrip().lower().startswith("attach"):
            self._ouverts.append(Path(str(parametres[0] if parametres else sql.split("'")[1])).name)
        return self._con.execute(sql, parametres) if parametres is not None else self._con.execute(sql)

    def __getattr__(self, nom: str):
        return getattr(self._con, nom)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._con.close()


@pytest.fixture
def ouvertures(monkeypatch) -> list[str]:
    """Every DuckDB file a page run opens, by connect or by attach."""
    ouverts: list[str] = []
    connecter = duckdb.connect

    def espion(database=":memory:", *arguments, **options):
        if str(database) not in (":memory:", ""):
            ouverts.append(Path(str(database)).name)
        return _ConnexionEspionnee(connecter(database, *arguments, **options), ouverts)

    monkeypatch.setattr(duckdb, "connect", espion)
    return ouverts


def _app(monkeypatch, donnees: Path) -> AppTest:
    monkeypatch.setenv("ARIPA_DATA_DIR", str(donnees))
    return AppTest.from_file(APP, default_timeout=60)


def _textes(at: AppTest) -> str:
    """Everything the run drew: every string of every element (JSON specs of charts unpacked),
    and the cells of every table."""
    morceaux: list[str] = []

    def chaines(valeur) -> None:
        if isinstance(valeur, dict):
            for v in valeur.values():
                chaines(v)
        elif isinstance(valeur, list):
            for v in valeur:
                chaines(v)
        elif isinstance(valeur, str):
            if valeur[:1] in "{[":
                try:
                    chaines(json.loads(valeur))
                    return
                except ValueError:
                    pass
            morceaux.append(valeur)

    def visiter(noeud) -> None:
        for enfant in getattr(noeud, "children", {}).values():
            visiter(enfant)
        proto = getattr(noeud, "proto", None)
        if proto is not None and not hasattr(noeud, "children"):
            chaines(MessageToDict(proto))
        if getattr(noeud, "type", None) in ("arrow_data_frame", "dataframe", "table"):
            morceaux.append(noeud.value.to_csv())

    visiter(at._tree)
    return "\n".join(morceaux)


def test_en_production_un_lecteur_anonyme_n_obtient_rien(publie, monkeypatch, ouvertures):
    comptes.ajouter(publie / "comptes" / "comptes.json", PILOTE_311, Portee("caf", "311"), MOT_DE_PASSE)
    at = _app(monkeypatch, publie).run()
    assert not at.exception, at.exception
    assert [t.label for t in at.text_input] == ["Adresse électronique", "Mot de passe"]
    assert not at.metric and not at.dataframe and ouvertures == []
    # A forged st.user (outside the identity-provider mode, nothing vouches for it) is ignored.
    at.user = {"is_logged_in": True, "email": DIRECTION, "groups": ["aripa-direction"]}
    at.query_params.update(URL_HOSTILE)
    at.run()
    assert [t.label for t in at.text_input] == ["Adresse électronique", "Mot de passe"]
    assert not at.metric and ouvertures == []
    # A wrong password, then the right one.
    at.text_input[0].set_value(PILOTE_311)
    at.text_input[1].set_value(MOT_DE_PASSE[:-1])
    at.button[0].click().run()
    assert at.error[0].value == "Adresse électronique ou mot de passe incorrect."
    assert ouvertures == []
    at.text_input[0].set_value(PILOTE_311.upper())
    at.text_input[1].set_value(MOT_DE_PASSE)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert at.sidebar.caption[0].value == f"Connecté : {PILOTE_311} · portée : Caf 311"
    assert set(ouvertures) == {"caf_311.duckdb"}
    # The account removed (the last one): the open session is signed out at its next interaction,
    # and the file, now empty, still asks for a sign-in (nobody falls back to the anonymous scope).
    comptes.retirer(publie / "comptes" / "comptes.json", PILOTE_311)
    ouvertures.clear()
    at.run()
    assert [t.label for t in at.text_input] == ["Adresse électronique", "Mot de passe"]
    assert ouvertures == []


def test_sans_compte_le_poste_local_garde_la_portee_sans_connexion(publie, monkeypatch, ouvertures):
    at = _app(monkeypatch, publie)
    at.user = {"is_logged_in": True, "email": PILOTE_311, "groups": ["caf-311-pilotage"]}  # forged
    at.run()
    assert not at.exception, at.exception
    assert at.sidebar.caption[0].value == "Sans connexion (poste local) · portée : France entière"
    assert set(ouvertures) == {"national.duckdb"}
    # Served on another address (`aripa dashboard --host`): no anonymous scope, whatever the files say.
    monkeypatch.setenv("ARIPA_CONNEXION_EXIGEE", "1")
    ouvertures.clear()
    at = _app(monkeypatch, publie).run()
    assert at.error[0].value.startswith("Accès refusé : ce serveur est ouvert à d'autres postes")
    assert ouvertures == [] and not at.metric


def test_avec_un_fournisseur_d_identite_seul_st_user_compte(publie, monkeypatch, ouvertures):
    comptes.ajouter(publie / "comptes" / "comptes.json", DIRECTION, Portee("national"), MOT_DE_PASSE)

    def lancer(utilisateur: dict) -> AppTest:
        at = _app(monkeypatch, publie)
        at.secrets["auth"] = {"client_id": "aripa", "redirect_uri": "http://127.0.0.1:8501/oauth2callback"}
        at.user = utilisateur
        at.query_params.update(URL_HOSTILE)
        at.session_state[CLE_COMPTE] = DIRECTION  # a local sign-in does not count in this mode
        return at.run()

    anonyme = lancer({"is_logged_in": False})
    assert [b.label for b in anonyme.button] == ["Se connecter"] and not anonyme.text_input
    assert ouvertures == []
    inconnu = lancer({"is_logged_in": True, "email": "x@aripa.example", "groups": ["tous-agents"]})
    assert inconnu.error[0].value.startswith("Accès refusé : le compte x@aripa.example n'a pas de portée")
    deux = lancer(
        {"is_logged_in": True, "email": "y@aripa.example", "groups": ["caf-311-pilotage", "aripa-direction"]}
    )
    assert deux.error[0].value.startswith("Accès refusé : le compte y@aripa.example a plusieurs portées")
    assert ouvertures == []
    sans_email = lancer({"is_logged_in": True, "sub": "abc", "groups": ["tous-agents"]})
    assert "sub:abc" in sans_email.error[0].value  # never taken for an anonymous reader
    pilote = lancer({"is_logged_in": True, "email": PILOTE_311, "groups": "caf-311-pilotage"})
    assert not pilote.exception, pilote.exception
    assert pilote.sidebar.caption[0].value == f"Connecté : {PILOTE_311} · portée : Caf 311"
    assert set(ouvertures) == {"caf_311.duckdb"}


# --- another Caf's detail, by every route -------------------------------------------------------------


def _autres_cafs(donnees: Path, code: str) -> set[str]:
    national = donnees / "warehouse" / "publication" / "national.duckdb"
    return {
        nom for (nom,) in requete(national, f"select nom_caf from marts.dim_cafs where code_caf <> '{code}'")
    }


def test_un_pilote_local_ne_voit_aucune_autre_caf_sur_aucune_page(publie, monkeypatch, ouvertures):
    fichier = publie / "comptes" / "comptes.json"
    comptes.ajouter(fichier, DIRECTION, Portee("national"), MOT_DE_PASSE)
    comptes.ajouter(fichier, PILOTE_311, Portee("caf", "311"), MOT_DE_PASSE)
    autres = _autres_cafs(publie, "311")
    vus_par_la_direction = set()
    # The Direction first, on every page, so that every cache of the process is warm with
    # national data when the pilot comes (a cache keyed without the scope would leak here).
    for compte, url in ((DIRECTION, {}), (PILOTE_311, URL_HOSTILE)):
        ouvertures.clear()
        textes = []
        for page in PAGES_RESEAU if compte == DIRECTION else PAGES_PILOTE:
            at = _app(monkeypatch, publie)
            at.session_state[CLE_COMPTE] = compte
            at.query_params.update(url)
            at.run()
            at.switch_page(page).run()
            assert not at.exception, (compte, page, at.exception)
            textes.append(_textes(at))
        vus = {nom for nom in autres if any(nom in t for t in textes)}
        if compte == DIRECTION:
            vus_par_la_direction = vus
            assert set(ouvertures) == {"national.duckdb"}
        else:
            assert set(ouvertures) == {"caf_311.duckdb"}, ouvertures
            assert vus == set(), vus
    # The check itself sees Caf names when they are there: the Direction's pages show others.
    assert "Caf du Territoire de Belfort" in vus_par_la_direction


def test_le_fichier_d_une_caf_ne_contient_aucune_ligne_d_une_autre_caf(publie):
    dossier = publie / "warehouse" / "publication"
    for fichier in dossier.glob("*.duckdb"):
        assert stat.S_IMODE(fichier.stat().st_mode) & 0o007 == 0, fichier  # nobody else reads it
    autres = _autres_cafs(publie, "311")
    with duckdb.connect(str(dossier / "caf_311.duckdb"), read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        assert {s for s, _ in tables} == {"marts"}  # no evaluation, no other schema
        for schema, table in tables:
            colonnes = dict(
                con.execute(
                    "select column_name, data_type from duckdb_columns() "
                    "where schema_name = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
            )
            if "type_zone" in colonnes and "code_zone" in colonnes:
                (n,) = con.execute(
                    f"select count(*) from {schema}.{table} where type_zone = 'caf' and code_zone <> '311'"
                ).fetchone()
                assert n == 0, table
            if "code_caf" in colonnes:
                assert con.execute(f"select distinct code_caf from {schema}.{table}").fetchall() == [("311",)]
            for colonne, type_ in colonnes.items():
                if type_ == "VARCHAR":
                    valeurs = {
                        v
                        for (v,) in con.execute(
                            f'select distinct "{colonne}" from {schema}.{table}'
                        ).fetchall()
                    }
                    assert not valeurs & autres, (table, colonne, valeurs & autres)
        (lignes_311,) = con.execute(
            "select count(*) from marts.taux_recouvrement_flux_mensuel where code_zone = '311'"
        ).fetchone()
        assert lignes_311 > 0  # its own rows are there


def test_les_points_d_entree_http_de_streamlit_ne_servent_aucun_fichier(publie):
    """Static serving is off; media files are only what a session drew, under an unguessable id;
    no path leads from the server to the data directory."""
    comptes.ajouter(publie / "comptes" / "comptes.json", PILOTE_311, Portee("caf", "311"), MOT_DE_PASSE)
    processus, port = _servir(publie)
    base = f"http://127.0.0.1:{port}"
    try:
        for chemin in (
            "/app/static/national.duckdb",
            "/app/static/../../warehouse/publication/national.duckdb",
            "/media/national.duckdb",
            "/media/0123456789abcdef0123456789abcdef0123456789abcdef01234567.csv",
            "/component/x/../../../warehouse/publication/national.duckdb",
            "/warehouse/publication/national.duckdb",
            "/%2e%2e/%2e%2e/warehouse/publication/caf_331.duckdb",
            "/comptes/comptes.json",
        ):
            try:
                with urllib.request.urlopen(base + chemin, timeout=10) as reponse:
                    corps = reponse.read()
            except urllib.error.HTTPError as err:
                assert err.code in (400, 403, 404), (chemin, err.code)
                continue
            # What answers 200 is the application's own HTML shell, never a file of the data directory.
            assert b"DUCK" not in corps[:64] and b"argon2" not in corps, chemin
            assert corps.lstrip().startswith(b"<!"), (chemin, corps[:80])
    finally:
        _arreter(processus)
