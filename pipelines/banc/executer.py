"""One benchmark run: every stage of the pipeline, then each figure against its goal (README,
"Benchmark"). Each stage is a separate process measured by mesure.py (wall time, peak RSS of its
process tree); the data lives in a work directory of its own, never the user's data/."""

from __future__ import annotations

import json
import math
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import psutil

from pipelines.banc.mesure import Mesure, mesurer
from pipelines.banc.plancher import SELECTION, exporter
from pipelines.config import RACINE_PROJET

# Extracts sent month by month (the photographs procedures, créances, ASF are whole each month).
MENSUELS = ("plan_recouvrement", "versements", "mouvements_creances", "remises_dettes", "evenements", "asf")
PHOTOGRAPHIES = ("procedures", "creances")  # one file: the extract as of its month's end
FACTEURS_ECHELLE = (1, 2, 4)  # the built volume, twice and four times as many cases
OBJECTIFS = {
    "plancher": 3.0,  # dbt build of the three marts / floor: at most
    "pair": 10.0,  # peer time / DuckDB time: at least
    "incremental": 0.05,  # one new month (ingest + build) / full (ingest + build): at most
    "tableau_de_bord_s": 0.3,  # p95 of a page's queries: at most
    "exposant": 1.0,  # growth exponent of the build with the volume: at most
    "accueil_s": 90.0,  # README's first command to the dashboard answering: at most
}


@dataclass(frozen=True)
class Echelle:
    scale: str
    debut: str | None
    fin_historique: str
    mois_nouveau: str


ECHELLES = {
    # Around the GIPA experiment's start (2014-10), so that the evaluation has months before and after.
    "tiny": Echelle("demo", "2014-04", "2015-02", "2015-03"),
    "demo": Echelle("demo", None, "2026-09", "2026-10"),
    "national": Echelle("national", None, "2026-09", "2026-10"),
}


@dataclass
class Banc:
    echelle: str
    travail: Path
    runs: int = 1
    accueil: bool = True
    progression: Callable[[str], None] = print
    resultats: dict = field(default_factory=dict)
    reprise: Path | None = None  # data directory of an earlier full ingest (--reprendre)
    landing_reprise: Path | None = None  # its landing directory
    sortie: Path | None = None  # where partial results are written after each section
    ingestion_seule: bool = False  # generate and ingest, measured, then stop (for --reprendre)

    @property
    def donnees(self) -> Path:
        return self.travail / "donnees"

    def env(self, donnees: Path | None = None) -> dict[str, str]:
        # PYTHONDONTWRITEBYTECODE (set in some sandboxes) makes every process compile every import
        # again (~3.7 s of CPU for the demo's imports): a user's machine keeps the bytecode cache.
        retires = ("COLUMNS", "LINES", "PYTHONDONTWRITEBYTECODE")
        env = {k: v for k, v in os.environ.items() if k not in retires}
        return env | {"ARIPA_DATA_DIR": str(donnees or self.donnees), "COLUMNS": "160"}

    def _mesurer(self, nom: str, commande: list[str], donnees: Path | None = None) -> Mesure:
        self.progression(f"{nom} : {' '.join(commande[2:] if commande[0] == sys.executable else commande)}")
        mesure = mesurer(commande, self.travail / "journaux" / f"{nom}.log", env=self.env(donnees))
        self.progression(
            f"{nom} : {mesure.duree_s:.1f} s, pic {mesure.pic_octets / 1e9:.2f} Go, code {mesure.code}"
        )
        return mesure

    def aripa(self, nom: str, *arguments: str, donnees: Path | None = None) -> Mesure:
        mesure = self._mesurer(nom, [sys.executable, "-m", "pipelines.cli", *arguments], donnees)
        if mesure.code != 0:
            raise RuntimeError(f"étape {nom} en échec (code {mesure.code}) : voir {mesure.journal}")
        return mesure

    def module(self, nom: str, module: str, *arguments: str, donnees: Path | None = None) -> Mesure:
        mesure = self._mesurer(nom, [sys.executable, "-m", module, *arguments], donnees)
        if mesure.code != 0 or mesure.interne is None:
            raise RuntimeError(f"mesure {nom} en échec (code {mesure.code}) : voir {mesure.journal}")
        return mesure

    def noter(self, nom: str, mesure: Mesure, **autres: object) -> dict:
        figure = {"duree_s": round(mesure.duree_s, 2), "pic_rss_octets": mesure.pic_octets, **autres}
        self.resultats.setdefault("etapes", {})[nom] = figure
        return figure

    # -- the stages --------------------------------------------------------------------------

    def etapes(self) -> None:
        if self.reprise is not None:
            self._reprendre()
        else:
            self.generer_et_ingerer()
        self._ecrire_partiel()
        construire = self.aripa("construction", "build", "--force")  # timed even if up to date
        self.noter("construction", construire, **_sous_etapes(Path(construire.journal)))
        self._ecrire_partiel()

    def etapes_aval(self) -> None:
        """forecast, evaluate, report, publish: after the floor (on a loaded machine the evaluation's
        thousands of draws are the longest stage after the build), in `aripa demo`'s order. Each of
        forecast and evaluate republishes at its end, as in the demo: the published copy the
        dashboard section reads then holds the forecasts (the Perspectives page) and the evaluation."""
        for nom, commande in (("prevision", "forecast"), ("evaluation", "evaluate")):
            mesure = self._mesurer(nom, [sys.executable, "-m", "pipelines.cli", commande])
            if mesure.code == 0:
                self.noter(nom, mesure)
            else:  # its reason in the table; the stages after it are still measured
                self.resultats["etapes"][nom] = {
                    "echec": f"code {mesure.code} : {_derniere_erreur(Path(mesure.journal))}",
                    "duree_s": round(mesure.duree_s, 2),
                    "pic_rss_octets": mesure.pic_octets,
                }
            self._ecrire_partiel()
        self._rapport_et_publication()

    def generer_et_ingerer(self) -> None:
        e = ECHELLES[self.echelle]
        # Up to the incremental month: the incremental section takes it out of a copy of the built
        # warehouse and loads its files again (a month generated apart is another simulation).
        periode = (["--from", e.debut] if e.debut else []) + ["--to", e.mois_nouveau]
        landing = self.donnees / "landing"
        generer = self.aripa("generation", "generate", "--scale", e.scale, *periode, "--out", str(landing))
        self.noter("generation", generer, fichiers=len(list(landing.iterdir())))
        self._noter_ingestion(self.aripa("ingestion", "ingest"))

    def _noter_ingestion(self, ingerer: Mesure | None, **autres: object) -> None:
        with duckdb.connect(str(self.donnees / "warehouse" / "aripa.duckdb"), read_only=True) as con:
            lignes = con.execute(
                "select sum(lignes_lues), sum(lignes_chargees) from raw.manifeste"
            ).fetchall()[0]
        figures = {"lignes_lues": int(lignes[0]), "lignes_chargees": int(lignes[1]), **autres}
        if ingerer is not None:
            self.noter("ingestion", ingerer, **figures)
        else:
            self.resultats.setdefault("etapes", {})["ingestion"] = figures

    def _reprendre(self) -> None:
        """An earlier full ingest (generation and ingestion measured then, its figures in
        <reprise>/mesure_ingestion.json) as the history, copied whole; the incremental section
        takes its last month out of a copy of the built warehouse and loads it again."""
        (self.donnees / "warehouse").mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.reprise / "warehouse" / "aripa.duckdb", self.donnees / "warehouse" / "aripa.duckdb")
        if (self.reprise / "cles").exists():  # else the key comes from ARIPA_CLE_PSEUDONYMISATION
            shutil.copytree(self.reprise / "cles", self.donnees / "cles")
        mesure = self.reprise / "mesure_ingestion.json"
        figures = json.loads(mesure.read_text()) if mesure.exists() else {}
        self.resultats.setdefault("etapes", {})["generation"] = figures.get(
            "generation", {"ignore": f"reprise de {self.reprise} : générée avant ce banc"}
        )
        self._noter_ingestion(None, reprise=str(self.reprise), **figures.get("ingestion", {}))

    def _rapport_et_publication(self) -> None:
        e = ECHELLES[self.echelle]
        aide = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "report", "--help"], capture_output=True, env=self.env()
        )
        if aide.returncode == 0:
            mesure = self._mesurer(
                "rapport", [sys.executable, "-m", "pipelines.cli", "report", "--month", e.fin_historique]
            )
            if mesure.code == 0:
                self.noter("rapport", mesure)
            else:
                self.resultats["etapes"]["rapport"] = {"echec": f"code {mesure.code} : voir {mesure.journal}"}
        else:
            self.resultats.setdefault("etapes", {})["rapport"] = {
                "ignore": "commande `aripa report` absente de cette version (issue 16, en cours ailleurs)"
            }
        publier = self._mesurer(
            "publication",
            [
                sys.executable,
                "-c",
                "from pipelines.config import chemins; from pipelines.construction "
                "import publier; print(publier(chemins()))",
            ],
        )
        if publier.code != 0:
            raise RuntimeError(f"publication en échec : voir {publier.journal}")
        self.noter("publication", publier)

    def _ecrire_partiel(self) -> None:
        if self.sortie is not None:
            self.resultats["machine"]["charge_actuelle"] = os.getloadavg()
            ecrire(self.resultats, self.sortie)

    def copie(self, nom: str) -> Path:
        """A copy of the data directory's warehouse, for runs that must not touch it."""
        cible = self.travail / nom
        shutil.rmtree(cible, ignore_errors=True)
        (cible / "warehouse").mkdir(parents=True)
        shutil.copy2(self.donnees / "warehouse" / "aripa.duckdb", cible / "warehouse" / "aripa.duckdb")
        return cible

    def _repete(self, nom: str, module: str, *arguments: str, donnees: Path | None = None) -> dict:
        mesures = [self.module(f"{nom}_{i}", module, *arguments, donnees=donnees) for i in range(self.runs)]
        interne = [m.interne for m in mesures]
        return {
            "duree_s": round(statistics.median(x["duree_s"] for x in interne), 3),
            "pic_rss_octets": max(m.pic_octets for m in mesures),
            "executions": self.runs,
            **{k: v for k, v in interne[-1].items() if k != "duree_s"},
        }

    def plancher_et_pairs(self) -> None:
        parquet = self.travail / "parquet"
        self.resultats["lignes_parquet"] = exporter(self.donnees / "warehouse" / "aripa.duckdb", parquet)
        plancher = self._repete("plancher_duckdb", "pipelines.banc.plancher", "duckdb", str(parquet))
        pandas_ = self._repete("pandas", "pipelines.banc.plancher", "pandas", str(parquet))
        copie = self.copie("dbt_marts")
        marts = self._repete(
            "dbt_trois_marts", "pipelines.banc.dbt_seul", str(copie), SELECTION, donnees=copie
        )
        shutil.rmtree(copie, ignore_errors=True)
        self.resultats["plancher"] = {
            "plancher_duckdb": plancher,
            "dbt_trois_marts": marts,
            "ratio": marts["duree_s"] / plancher["duree_s"],
            "objectif_max": OBJECTIFS["plancher"],
        }
        self.resultats["pairs"] = {
            "pandas": pandas_,
            "ratio_pandas": pandas_["duree_s"] / plancher["duree_s"],
            "memes_cellules": pandas_["resume"] == plancher["resume"],
            "objectif_min": OBJECTIFS["pair"],
        }

    def pair_postgres(self) -> None:
        from pipelines.banc.postgres import comparer_postgres

        duckdb_s = self.resultats["plancher"]["dbt_trois_marts"]["duree_s"]
        self.resultats["pairs"]["postgres"] = comparer_postgres(self, duckdb_s)

    def tableau_de_bord(self) -> None:
        mesures = self._repete("tableau_de_bord", "pipelines.banc.tableau_de_bord")
        pages = mesures["pages"]
        en_echec = sorted(nom for nom, p in pages.items() if p.get("echec"))
        mesurees = [p["p95_s"] for p in pages.values() if not p.get("echec")]
        self.resultats["tableau_de_bord"] = {
            "pages": pages,
            "pages_en_echec": en_echec,
            "p95_max_s": max(mesurees) if mesurees else None,
            "objectif_max_s": OBJECTIFS["tableau_de_bord_s"],
        }
        if en_echec:  # a failure of the section, not a latency: the other pages are kept above
            raise RuntimeError(
                "requêtes en échec sur la publication, pages : "
                + " ; ".join(f"{n} ({pages[n]['erreurs'][0]})" for n in en_echec)
            )

    def passage_a_l_echelle(self) -> None:
        """dbt run --full-refresh of the whole catalogue at 1x, 2x and 4x the built volume: copies
        of the warehouse whose raw extracts are replicated with offset identifiers (replication.py:
        twice and four times as many cases in the same network, the replication untimed); time and
        peak RSS against rows, log-log slope. Each copy is deleted right after its run."""
        points = []
        for facteur in FACTEURS_ECHELLE:
            copie = self.copie(f"echelle_{facteur}x")
            try:
                replication = None
                if facteur > 1:
                    self.progression(
                        f"échelle {facteur}x : réplication des extractions brutes (non chronométrée)"
                    )
                    replication = self.module(
                        f"replication_{facteur}x",
                        "pipelines.banc.replication",
                        str(copie / "warehouse" / "aripa.duckdb"),
                        str(facteur),
                    )
                with duckdb.connect(str(copie / "warehouse" / "aripa.duckdb"), read_only=True) as con:
                    lignes = sum(
                        con.execute(f"select count(*) from raw.{t}").fetchall()[0][0]
                        for t in (*MENSUELS, *PHOTOGRAPHIES)
                    )
                mesure = self.module(
                    f"echelle_{facteur}x", "pipelines.banc.dbt_seul", str(copie), donnees=copie
                )
                if not mesure.interne.get("succes"):
                    raise RuntimeError(f"dbt run à {facteur}x en échec : voir {mesure.journal}")
                controle = _cellules_de_controle(copie / "warehouse" / "aripa.duckdb")
            finally:
                shutil.rmtree(copie, ignore_errors=True)
            points.append(
                {
                    "facteur": facteur,
                    "lignes": lignes,
                    "duree_s": round(mesure.interne["duree_s"], 2),
                    "cpu_s": round(mesure.interne["cpu_s"], 2),
                    "pic_rss_octets": mesure.pic_octets,
                    "controle": controle,
                    **(
                        {
                            "replication_s": round(replication.duree_s, 1),
                            "replication_pic_rss_octets": replication.pic_octets,
                        }
                        if replication
                        else {}
                    ),
                }
            )
            self.resultats["passage_a_l_echelle"] = {"points": points}  # partial, if a later one fails
            self._ecrire_partiel()
        # k times the cases: the national cells of the count-like marts are k times the 1x's.
        base = points[0]["controle"]
        for p in points[1:]:
            p["controle_multiplie_exactement"] = all(
                round(p["controle"][c], 2) == round(p["facteur"] * base[c], 2) for c in base
            )
        x = [math.log(p["lignes"]) for p in points]
        y = [math.log(p["duree_s"]) for p in points]
        mx, my = statistics.fmean(x), statistics.fmean(y)
        pente = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True)) / sum((a - mx) ** 2 for a in x)
        self.resultats["passage_a_l_echelle"] = {  # not "echelle": the run's scale name
            "points": points,
            "exposant": pente,
            "objectif_max": OBJECTIFS["exposant"],
        }

    def incremental(self) -> None:
        e = ECHELLES[self.echelle]
        mois = self.travail / "landing_mois"
        shutil.rmtree(mois, ignore_errors=True)
        # The last month out of a copy of the built warehouse, then loaded again as a new month:
        # its monthly files and its photographs (procedures, créances at the month's end). A
        # slice generated apart is another simulation (the generator draws the whole period at
        # once), whose photographs contradict the history's payments and movements.
        donnees = self.copie("incremental")
        if (self.donnees / "cles").exists():  # the same pseudonymisation key
            shutil.copytree(self.donnees / "cles", donnees / "cles")
        self._retirer_mois(donnees / "warehouse" / "aripa.duckdb", f"{e.mois_nouveau}-01")
        mois.mkdir(parents=True)
        depot = self.landing_reprise if self.reprise is not None else self.donnees / "landing"
        debut = time.perf_counter()
        for chemin in sorted(depot.glob(f"*_{e.mois_nouveau}.*")):
            shutil.copy2(chemin, mois / chemin.name)
        generer = Mesure(time.perf_counter() - debut, 0, 0, "copie")
        if not any(mois.iterdir()):
            raise RuntimeError(f"aucun fichier du mois {e.mois_nouveau} dans {depot}")
        ingerer = self.aripa("mois_ingestion", "ingest", "--landing", str(mois), donnees=donnees)
        construire = self.aripa("mois_construction", "build", "--force", donnees=donnees)
        shutil.rmtree(donnees, ignore_errors=True)
        complet = (
            self.resultats["etapes"]["ingestion"]["duree_s"]
            + self.resultats["etapes"]["construction"]["duree_s"]
        )
        nouveau = ingerer.duree_s + construire.duree_s
        self.resultats["incremental"] = {
            "copie_des_fichiers_s": round(generer.duree_s, 2),
            "ingestion_s": round(ingerer.duree_s, 2),
            "construction_s": round(construire.duree_s, 2),
            "construction_detail": _sous_etapes(Path(construire.journal)),
            "pic_rss_octets": max(ingerer.pic_octets, construire.pic_octets),
            "fichiers": len(list(mois.iterdir())),
            "rapporte_a": "ingestion complète + construction complète",
            "fraction": nouveau / complet,
            "fraction_de_la_construction": construire.duree_s
            / self.resultats["etapes"]["construction"]["duree_s"],
            "objectif_max": OBJECTIFS["incremental"],
        }

    @staticmethod
    def _retirer_mois(entrepot: Path, mois: str) -> None:
        """Every row of the month's files (monthly extracts and photographs), with their manifest
        and quarantine rows: the warehouse as it was before that month arrived."""
        with duckdb.connect(str(entrepot)) as con:
            for table in (*MENSUELS, *PHOTOGRAPHIES):
                fichiers = [
                    r[0]
                    for r in con.execute(
                        f"select distinct _fichier from raw.{table} where _periode = ?", [mois]
                    ).fetchall()
                ]
                con.execute(f"delete from raw.{table} where _periode = ?", [mois])
                for f in fichiers:
                    con.execute("delete from raw.quarantaine where fichier = ?", [f])
                    con.execute("delete from raw.manifeste where fichier = ?", [f])

    def accueil_nouveau_venu(self) -> None:
        """README's first command in a fresh clone (the package cache warm): until the dashboard
        answers on its port."""
        if not self.accueil:
            self.resultats["accueil"] = {"ignore": "--sans-accueil"}
            return
        clone = self.travail / "clone"
        shutil.rmtree(clone, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", str(RACINE_PROJET), str(clone)], check=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        commande = f"python3 -m pip install -q uv && python3 -m uv run --locked aripa demo --port {port}"
        env = self.env(clone / "data")
        journal = (self.travail / "journaux" / "accueil.log").open("w")
        debut = time.perf_counter()
        proc = subprocess.Popen(
            ["bash", "-c", commande],
            cwd=clone,
            env=env,
            stdout=journal,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        pic, repond = 0, None
        racine = psutil.Process(proc.pid)
        from pipelines.banc.mesure import rss_arbre

        while proc.poll() is None and time.perf_counter() - debut < 1800:
            pic = max(pic, rss_arbre(racine))
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        repond = time.perf_counter() - debut
                        break
            except OSError:
                pass
            time.sleep(0.5)
        if proc.poll() is None:
            os.killpg(proc.pid, 15)  # the demo server this run started, by its own process group
            proc.wait(timeout=60)
        journal.close()
        self.resultats["accueil"] = {
            "commande": commande,
            "duree_s": repond,
            "pic_rss_octets": pic,
            "objectif_max_s": OBJECTIFS["accueil_s"],
            **({} if repond else {"echec": "le tableau de bord n'a pas répondu : voir journaux/accueil.log"}),
        }
        shutil.rmtree(clone, ignore_errors=True)

    def executer(self) -> dict:
        self.travail.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.donnees, ignore_errors=True)
        debut = time.perf_counter()
        self.resultats = {
            "echelle": self.echelle,
            "lance_le": datetime.now().isoformat(timespec="seconds"),
            "machine": {
                "processeurs": os.cpu_count(),
                "memoire_octets": psutil.virtual_memory().total,
                "systeme": platform.platform(),
                "python": platform.python_version(),
                "duckdb": duckdb.__version__,
                "charge_au_debut": os.getloadavg(),
            },
        }
        if self.ingestion_seule:  # the history a later run takes up with --reprendre
            self.generer_et_ingerer()
            etapes = self.resultats["etapes"]
            (self.donnees / "mesure_ingestion.json").write_text(
                json.dumps({k: etapes[k] for k in ("generation", "ingestion")}, indent=2)
            )
            self.resultats["duree_totale_s"] = round(time.perf_counter() - debut, 1)
            return self.resultats
        self.etapes()  # the others need its warehouse: a failure here stops the run
        # Most telling first: on a loaded machine a run may have to stop before the end.
        for section in (
            self.plancher_et_pairs,
            self.etapes_aval,  # before the pages: the evaluation page reads its results
            self.tableau_de_bord,
            self.incremental,
            self.accueil_nouveau_venu,
            self.pair_postgres,
            self.passage_a_l_echelle,
        ):
            try:
                section()
            except Exception as err:  # one figure missing, with why; the others still measured
                self.resultats.setdefault("echecs", {})[section.__name__] = str(err)[:300]
                self.progression(f"{section.__name__} : échec ({str(err)[:200]})")
            self._ecrire_partiel()
        self.resultats["machine"]["charge_a_la_fin"] = os.getloadavg()
        self.resultats["duree_totale_s"] = round(time.perf_counter() - debut, 1)
        return self.resultats


def _cellules_de_controle(entrepot: Path) -> dict[str, float]:
    """National cells of two count-like marts: k times the cases gives k times each."""
    with duckdb.connect(str(entrepot), read_only=True) as con:
        actives, attendu = con.execute(
            "select (select sum(procedures_actives) from marts.procedures_actives_mensuel "
            "where niveau = 'national'), (select sum(montant_attendu_tc) from "
            "marts.taux_recouvrement_flux_mensuel where niveau = 'national' "
            "and code_procedure = 'ENSEMBLE' and phase_recouvrement = 'ENSEMBLE')"
        ).fetchall()[0]
    return {"procedures_actives_national": float(actives), "montant_attendu_tc_national": float(attendu)}


def _derniere_erreur(journal: Path) -> str:
    lignes = [ligne for ligne in journal.read_text(errors="replace").splitlines() if "Erreur" in ligne]
    return (lignes[-1] if lignes else f"voir {journal}")[:200]


def _secondes(texte: str) -> float:
    """'2 min 3 s' or '12,3 s' (format_fr.duree) -> seconds."""
    minutes = re.search(r"(\d+)\s*min", texte)
    secondes = re.search(r"([\d,]+)\s*s$", texte.strip())
    return (int(minutes[1]) * 60 if minutes else 0) + (
        float(secondes[1].replace(",", ".")) if secondes else 0
    )


def _sous_etapes(journal: Path) -> dict[str, float]:
    """The build's parts as `aripa build` prints them (✔ title : duration)."""
    noms = {
        "Construction des indicateurs": "dbt_build_s",
        "Documentation du catalogue": "docs_s",
        "Publication des fichiers": "publication_s",
    }
    parts = {}
    for ligne in journal.read_text(errors="replace").splitlines():
        if ligne.startswith("✔"):
            for debut, cle in noms.items():
                if debut in ligne:
                    parts[cle] = _secondes(
                        ligne.rsplit(":", 1)[1].replace("\u202f", " ").replace("\u00a0", " ")
                    )
    return parts


def ecrire(resultats: dict, dossier: Path) -> Path:
    dossier.mkdir(parents=True, exist_ok=True)
    chemin = dossier / f"banc_{resultats['echelle']}_{resultats['lance_le'].replace(':', '-')}.json"
    chemin.write_text(json.dumps(resultats, indent=2, ensure_ascii=False, default=str))
    (dossier / f"dernier_{resultats['echelle']}.json").write_text(chemin.read_text())
    return chemin
