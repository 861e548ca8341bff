"""Shared fixtures: a tiny hand-computed extract set, and the built-in demo, both run through the CLI."""

from __future__ import annotations

import fcntl
import os
import pickle
import resource
import subprocess
import sys
from pathlib import Path

# One BLAS thread per process, before numpy is imported here or in the CLI's subprocesses (they
# inherit the environment): two xdist workers already fill the two cores, and OpenBLAS's idle
# threads spin. The secrecy attacker's SVDs took 148 s of CPU with two threads, 36 s with one,
# the same cells found.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import duckdb  # noqa: E402 (after the BLAS threads are set)
import pytest  # noqa: E402

CLE_TEST = "00" * 16 + "11" * 16  # fixed pseudonymisation key, so tests can recompute the hashes

ENTETE_PROCEDURES = (
    "N° procédure;Matricule créancier;Matricule débiteur;Caf gestionnaire;Caf de résidence;"
    "Code procédure;Stade;Engagée le;Passée en définitif le;Clôturée le;Motif clôture;Montant mensuel TC"
)
ENTETE_PLAN = "N° procédure;Mois;Attendu TC;Attendu ASFR;Attendu Arr. PA;Attendu FJ;Attendu FG"
ENTETE_VERSEMENTS = (
    "N° versement;N° procédure;Date de valeur;Montant;Type;Provenance;"
    "Ventilé TC;Ventilé ASFR;Ventilé Arr. PA;Ventilé FJ;Ventilé FG"
)

# Hand-computed fixture (README of tests: see test_indicateurs.py for the expected figures).
PETIT_JEU = {
    "procedures_2026-02.csv": [
        ENTETE_PROCEDURES,
        "P1;1000001;2000001;311;311;RA;DEF;15/12/2025;20/01/2026;;;100,00",
        "P2;1000002;2000002;901;061;PDE;DEF;03/01/2026;;;;200,00",
        "P3;1000003;2000003;901;901;RA;CLO;10/01/2026;;05/02/2026;SOLDE;300,00",
        "P4;1000004;2000004;999;311;RA;DEF;10/01/2026;;;;50,00",  # unknown Caf: quarantined
        "P5;1000005;2000005;311;311;SAISIE;SIM;01/02/2026;;;;80,00",  # simulation: nothing due
    ],
    # The plan: TC due from the engagement month to the closure month excluded (P3 closed in February).
    "plan_2026-01.csv": [
        ENTETE_PLAN,
        "P1;01/2026;100,00;0,00;0,00;0,00;0,00",
        "P2;01/2026;200,00;30,00;0,00;0,00;0,00",
        "P3;01/2026;300,00;0,00;0,00;0,00;0,00",
    ],
    "plan_2026-02.csv": [
        ENTETE_PLAN,
        "P1;02/2026;100,00;0,00;0,00;0,00;0,00",
        "P2;02/2026;200,00;30,00;0,00;0,00;0,00",
    ],
    "versements_2026-01.csv": [
        ENTETE_VERSEMENTS,
        "V1;P1;10/01/2026;100,00;VIR;DEBITEUR;100,00;0,00;0,00;0,00;0,00",
        "V2;P2;12/01/2026;80,00;PDE;TIERS;50,00;30,00;0,00;0,00;0,00",
        "V3;P3;31/01/2026;abc;VIR;DEBITEUR;10,00;0,00;0,00;0,00;0,00",  # bad amount: quarantined
    ],
    "versements_2026-02.csv": [
        ENTETE_VERSEMENTS,
        "V4;P1;05/02/2026;25,00;VIR;DEBITEUR;25,00;0,00;0,00;0,00;0,00",
        "V4;P1;05/02/2026;25,00;VIR;DEBITEUR;25,00;0,00;0,00;0,00;0,00",  # duplicate key: quarantined
        "V5;P2;30/02/2026;200,00;PDE;TIERS;200,00;0,00;0,00;0,00;0,00",  # impossible date: quarantined
        "V6;P2;28/02/2026;200,00;PDE;TIERS;200,00;0,00;0,00;0,00;0,00",
    ],
}


def ecrire_jeu(dossier: Path, jeu: dict[str, list[str]], encodage: str = "cp1252", fin: str = "\r\n") -> None:
    dossier.mkdir(parents=True, exist_ok=True)
    for nom, lignes in jeu.items():
        (dossier / nom).write_bytes((fin.join(lignes) + fin).encode(encodage))


def aripa(*arguments: str, donnees: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run the CLI as a user does, in its own process."""
    # pytest-xdist's workers set COLUMNS=80 and LINES=24: the CLI gets the environment CI gives it.
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env |= {"ARIPA_DATA_DIR": str(donnees), "ARIPA_CLE_PSEUDONYMISATION": CLE_TEST}
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def requete(base: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(base), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="session")
def petit_entrepot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-computed fixture, ingested and built through the CLI; returns the data directory."""
    donnees = tmp_path_factory.mktemp("petit")
    ecrire_jeu(donnees / "landing", PETIT_JEU)
    for etape in ("ingest", "build"):
        resultat = aripa(etape, donnees=donnees)
        assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    return donnees


# The whole KPI mart in a stable order (its grain), to compare two runs row for row.
REQUETE_KPI = (
    "select * from marts.taux_recouvrement_flux_mensuel order by niveau, code_zone, mois, code_procedure"
)


def _construire_demo(donnees: Path, copie: Path) -> dict:
    """`aripa demo --no-serve` once in `donnees`; then a copy of the directory it left, for the
    second run (`demo_rejouee`), taken before any test reads or writes the first one."""
    donnees.mkdir(parents=True, exist_ok=True)
    # The whole chain (generation to report) on 15 years of demo data: minutes, more on a loaded machine.
    premiere = aripa("demo", "--no-serve", donnees=donnees, timeout=1800)
    assert premiere.returncode == 0, premiere.stdout + premiere.stderr
    kpi_1 = requete(donnees / "warehouse" / "publication" / "national.duckdb", REQUETE_KPI)
    # Copy-on-write where the file system has it (btrfs, XFS), a plain copy elsewhere (~0.6 GB).
    subprocess.run(["cp", "-a", "--reflink=auto", f"{donnees}/.", str(copie)], check=True)
    return {"donnees": donnees, "kpi_premiere": kpi_1, "sortie_1": premiere.stdout, "copie": copie}


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> dict:
    """`aripa demo --no-serve` run once, read by every test of the demo build.

    Under pytest-xdist the workers share it (pytest-xdist's documented pattern for a session fixture
    built once: a lock file in the run's base directory, common to the workers): the first worker
    that needs it builds it, the other waits on the lock then reads the same directory, so its
    readers run on both workers. They only read it (or write files of their own under outputs/)."""
    if not hasattr(request.config, "workerinput"):  # one process: nothing to share
        return _construire_demo(tmp_path_factory.mktemp("demo"), tmp_path_factory.mktemp("demo_rejeu"))
    racine = tmp_path_factory.getbasetemp().parent
    fait, echec = racine / "demo.pickle", racine / "demo.echec"
    with open(racine / "demo.lock", "w") as verrou:
        fcntl.flock(verrou, fcntl.LOCK_EX)  # released when the file is closed
        if echec.exists():  # the other worker's build failed: its message, not a second build
            pytest.fail(echec.read_text(encoding="utf-8"), pytrace=False)
        if not fait.exists():
            (racine / "demo_rejeu").mkdir()
            try:
                construite = _construire_demo(racine / "demo", racine / "demo_rejeu")
            except BaseException as err:  # an assertion, pytest's failure or a timeout
                echec.write_text(f"construction de la démo (autre worker) : {err}", encoding="utf-8")
                raise
            fait.write_bytes(pickle.dumps(construite))
        return pickle.loads(fait.read_bytes())


@pytest.fixture(scope="session")
def demo_rejouee(demo: dict) -> dict:
    """The second `aripa demo --no-serve`, on the data directory the first run left (its copy, taken
    as the first run ended): nothing new to load, the same figures. On the copy, the readers of the
    first build need not wait for it."""
    donnees = demo["copie"]
    seconde = aripa("demo", "--no-serve", donnees=donnees, timeout=1800)
    assert seconde.returncode == 0, seconde.stdout + seconde.stderr
    return {"donnees": donnees, "sortie_2": seconde.stdout}


# Fixtures too expensive to build twice: pytest-xdist builds a session or module fixture once per worker,
# so every test using one is kept on a single worker (`--dist loadgroup` in pyproject's addopts).
# `demo` is not among them: both workers share it (above).
GROUPES_PAR_FIXTURE = {
    "demo_rejouee": "demo_rejouee",
    "petit_entrepot": "petit_entrepot",
    "deux_mois": "deux_mois",  # test_chargement_sur
    "fuzz": "fuzz",  # test_ingestion_fuzz
    "hostile": "hostile",  # test_ingestion_hostile
    "bilans": "bilans",  # test_confidentialite_statistique: the attack on every published mart
    "publie": "evaluation_publiee",  # test_evaluation_publication: an evaluation of a small panel
}


def _rang(item: pytest.Item) -> int:
    """0: the demo's second run, which needs the first (so both start the run, one after the other);
    1: the tests that do not read the demo, run on the other worker meanwhile; 2: the demo's readers,
    last, shared out between both workers once the build is there."""
    if "demo_rejouee" in item.fixturenames:
        return 0
    if "demo" in item.fixturenames or item.get_closest_marker("demo"):
        return 2
    return 1


def _groupe(item: pytest.Item) -> str:
    marque = item.get_closest_marker("xdist_group")
    return str(marque.args[0]) if marque and marque.args else item.nodeid


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the mark into the node id
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        groupe = next((g for f, g in GROUPES_PAR_FIXTURE.items() if f in item.fixturenames), None)
        if groupe is not None:
            item.add_marker(pytest.mark.xdist_group(groupe))
    # The order xdist hands out the work units in (`--no-loadscope-reorder`: the collection's): by
    # rank, then the larger groups first (what xdist's own reordering did), a group's tests together.
    groupes = [_groupe(i) for i in items]
    taille: dict[str, int] = {}
    rang: dict[str, int] = {}
    premier: dict[str, int] = {}
    for n, (item, groupe) in enumerate(zip(items, groupes, strict=True)):
        taille[groupe] = taille.get(groupe, 0) + 1
        r = _rang(item)
        rang[groupe] = 0 if 0 in (r, rang.get(groupe)) else max(r, rang.get(groupe, r))
        premier.setdefault(groupe, n)
    ordre = sorted(
        range(len(items)), key=lambda n: (rang[groupes[n]], -taille[groupes[n]], premier[groupes[n]], n)
    )
    items[:] = [items[n] for n in ordre]


def pytest_collection_finish(session: pytest.Session) -> None:
    """pytest 9.2 silently broke the grouping (pytest-xdist issue 1386): fail rather than build each
    expensive fixture once per worker without a word."""
    if not getattr(session.config.option, "loadgroup", False):  # set on xdist workers under loadgroup
        return
    perdus = [i.nodeid for i in session.items if i.get_closest_marker("xdist_group") and "@" not in i.nodeid]
    if perdus:
        raise pytest.UsageError(f"pytest-xdist n'a pas groupé {len(perdus)} tests, dont {perdus[0]}")


# Per-worker load, printed at the end: the suite's wall time is its busiest worker's, so this says where
# the time goes. Busy = the sum of the worker's setup, call and teardown durations; CPU = the worker's
# own CPU time plus that of the processes it ran and waited for (the CLI, servers, dbt).
OCCUPATION: dict[str, float] = {}
ETENDUE: dict[str, tuple[float, float]] = {}  # first start, last stop of a worker's tests
CPU_PAR_WORKER: dict[str, float] = {}
CPU_PAR_TEST: dict[str, float] = {}
_CPU_AVANT = pytest.StashKey[float]()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    noeud = getattr(report, "node", None)  # set by xdist on the controller
    worker = noeud.workerinput["workerid"] if noeud is not None else "main"
    OCCUPATION[worker] = OCCUPATION.get(worker, 0.0) + report.duration
    debut, fin = ETENDUE.get(worker, (report.start, report.stop))
    ETENDUE[worker] = (min(debut, report.start), max(fin, report.stop))
    CPU_PAR_TEST[report.nodeid] = CPU_PAR_TEST.get(report.nodeid, 0.0) + getattr(report, "cpu_s", 0.0)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_CPU_AVANT] = _cpu()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Each phase's CPU (the worker's and its waited children's), carried to the controller."""
    report = yield
    maintenant = _cpu()
    report.cpu_s = maintenant - item.stash.get(_CPU_AVANT, maintenant)
    item.stash[_CPU_AVANT] = maintenant
    return report


def _cpu() -> float:
    moi, enfants = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return moi.ru_utime + moi.ru_stime + enfants.ru_utime + enfants.ru_stime


def pytest_sessionfinish(session: pytest.Session) -> None:
    sortie = getattr(session.config, "workeroutput", None)  # on an xdist worker
    if sortie is not None:
        sortie["aripa_cpu"] = _cpu()
    else:
        CPU_PAR_WORKER.setdefault("main", _cpu())


def pytest_testnodedown(node, error) -> None:
    cpu = getattr(node, "workeroutput", {}).get("aripa_cpu")
    if cpu is not None:
        CPU_PAR_WORKER[node.workerinput["workerid"]] = cpu


def pytest_terminal_summary(terminalreporter) -> None:
    lignes = [
        f"{w}: occupé {OCCUPATION[w] / 60:.1f} min sur {(ETENDUE[w][1] - ETENDUE[w][0]) / 60:.1f} min, "
        f"CPU {CPU_PAR_WORKER.get(w, float('nan')) / 60:.1f} min"
        for w in sorted(OCCUPATION)
    ]
    if lignes:
        terminalreporter.write_sep("-", "charge par worker")
        for ligne in lignes:
            terminalreporter.write_line(ligne)
        combien = int(os.environ.get("ARIPA_TESTS_CPU_N", "15"))
        terminalreporter.write_line(
            f"les {combien} tests les plus gourmands en CPU (préparation et démontage compris) :"
        )
        for nodeid, cpu in sorted(CPU_PAR_TEST.items(), key=lambda x: -x[1])[:combien]:
            terminalreporter.write_line(f"{cpu:8.1f} s  {nodeid}")
