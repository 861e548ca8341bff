"""`aripa build`: run dbt (seeds, models, tests, unit tests) on the warehouse, then publish.

dashboards never open the file being built: DuckDB's writer excludes every reader. After a
successful build, pipelines/publication.py writes one file per reader scope under a temporary name,
then renames it over the published one; a dashboard that has the old file open keeps reading it
until it reopens. A failed build publishes nothing: the dashboards keep the last good figures.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

import duckdb

from pipelines import format_fr
from pipelines.config import DOSSIER_DBT, Chemins


@dataclass
class ResultatConstruction:
    succes: bool
    modeles: int = 0
    seeds: int = 0
    tests: int = 0
    tests_unitaires: int = 0
    unitaires_lances: bool = False
    echecs: list[str] = field(default_factory=list)


def environnement_dbt(chemins: Chemins) -> dict[str, str]:
    return {"ARIPA_ENTREPOT": str(chemins.entrepot)}


def arguments_dbt(chemins: Chemins, commande: str, *autres: str, cible: str = "duckdb") -> list[str]:
    # dbt's target/ and logs/ go under the data directory: generated, and separate per data directory.
    return [
        *commande.split(),  # "build", or "docs generate"
        "--target",
        cible,  # a target of dbt/profiles.yml: duckdb, or spark (pipelines/construction_spark.py)
        "--project-dir",
        str(DOSSIER_DBT),
        "--profiles-dir",
        str(DOSSIER_DBT),
        "--target-path",
        str(chemins.donnees / "dbt" / "target"),
        "--log-path",
        str(chemins.donnees / "dbt" / "logs"),
        *autres,
    ]


def _marque_construction(chemins: Chemins, cible: str = "duckdb") -> Path:
    """When the last successful dbt build on that target started (local time, as the manifest's
    charge_le): each engine keeps its own incremental tables."""
    suffixe = "" if cible == "duckdb" else f"_{cible}"
    return chemins.donnees / "dbt" / f"derniere_construction{suffixe}.txt"


def retrait_depuis_la_derniere_construction(chemins: Chemins, cible: str = "duckdb") -> bool:
    """A file withdrawn (`aripa withdraw`) since the last successful build: the incremental models
    recompute only the months of newly loaded rows and would keep the withdrawn ones, so the next
    build must rebuild them whole."""
    with duckdb.connect(str(chemins.entrepot), read_only=True) as con:
        try:
            (retrait,) = con.execute(
                "select max(charge_le) from raw.manifeste where statut = 'retrait'"
            ).fetchone()
        except duckdb.CatalogException:  # nothing loaded yet
            return False
    marque = _marque_construction(chemins, cible)
    if retrait is None or not marque.exists():
        return False  # no withdrawal, or never built: the first build is whole anyway
    return retrait >= datetime.fromisoformat(marque.read_text().strip())


def _empreinte_enregistree(chemins: Chemins) -> Path:
    return chemins.donnees / "dbt" / "empreinte_derniere_construction.txt"


def empreinte_projet() -> str:
    """What dbt compiles: the project's files, the environment variables the project (not the
    connection profile) reads, dbt's and DuckDB's versions."""
    h = hashlib.sha256()
    variables: set[str] = set()
    for fichier in sorted(DOSSIER_DBT.rglob("*")):
        relatif = fichier.relative_to(DOSSIER_DBT)
        if fichier.is_file() and relatif.parts[0] not in ("target", "logs", "dbt_packages"):
            contenu = fichier.read_bytes()
            h.update(str(relatif).encode() + b"\0" + contenu + b"\0")
            if relatif.name != "profiles.yml":  # where the warehouse is and its memory: not results
                variables |= set(re.findall(rb"env_var\(\s*['\"](\w+)['\"]", contenu))
    for nom in sorted(variables):
        h.update(nom + b"=" + os.environ.get(nom.decode(), "\0absente").encode() + b"\0")
    for paquet in ("dbt-core", "dbt-duckdb", "duckdb"):
        h.update(f"{paquet}={version(paquet)}\0".encode())
    return h.hexdigest()


def empreinte_entrees(chemins: Chemins) -> str:
    """What a DuckDB build reads: the project (`empreinte_projet`) and the warehouse's raw tables
    (each one's row count, and the load manifest whole: every file `aripa ingest` loads or `aripa
    withdraw` takes out changes it). The models use no clock: the same inputs build the same marts."""
    h = hashlib.sha256(empreinte_projet().encode())
    with duckdb.connect(str(chemins.entrepot), read_only=True) as con:
        tables = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw' order by 1"
        ).fetchall()
        for (table,) in tables:
            (nombre,) = con.execute(f'select count(*) from raw."{table}"').fetchone()
            h.update(f"{table}:{nombre}\0".encode())
        if ("manifeste",) in tables:
            h.update(repr(con.execute("select * from raw.manifeste order by all").fetchall()).encode())
    return h.hexdigest()


def construction_a_jour(chemins: Chemins) -> bool:
    """The last successful whole DuckDB build read exactly the inputs there are now: building
    again would give the same marts."""
    enregistree = _empreinte_enregistree(chemins)
    if not enregistree.exists() or not chemins.entrepot.exists():
        return False
    return enregistree.read_text().strip() == empreinte_entrees(chemins)


def executer_dbt(
    chemins: Chemins,
    progression: Callable[[str], None] = lambda _: None,
    selection: str | None = None,
    reconstruire: bool = False,
    cible: str = "duckdb",
    tests_unitaires: bool = False,
) -> ResultatConstruction:
    os.environ.update(environnement_dbt(chemins))
    from dbt.cli.main import dbtRunner  # ~5 s import: only on the build path

    def suivre(evenement) -> None:
        if evenement.info.name == "LogModelResult":
            donnees = evenement.data
            duree = format_fr.duree(donnees.execution_time)
            progression(f"modèle {donnees.node_info.node_name} : {donnees.status} ({duree})")

    # dbt's console output is silenced (its full log stays in data/dbt/logs); failures are told below.
    autres = ["--log-level", "none", "--log-level-file", "info", "--no-use-colors"]
    autres += ["--select", selection] if selection else []
    # Incremental models (payments, plans) otherwise recompute only the months loaded since the last build.
    autres += ["--full-refresh"] if reconstruire else []
    # dbt's unit tests check the models' SQL on static inputs, not the data: the same result on every
    # build, so a monthly build skips them (dbt's own advice) and a change to the models runs them
    # (`aripa build --unit-tests`, as the test suite does). A third of a small build's time.
    autres += [] if tests_unitaires else ["--exclude-resource-type", "unit_test"]
    debut = datetime.now().replace(microsecond=0)
    # Taken before dbt writes; dropped first, so that a failed build is never taken as up to date.
    empreinte = empreinte_entrees(chemins) if cible == "duckdb" and not selection else None
    _empreinte_enregistree(chemins).unlink(missing_ok=True)
    resultat = dbtRunner(callbacks=[suivre]).invoke(arguments_dbt(chemins, "build", *autres, cible=cible))
    bilan = ResultatConstruction(succes=bool(resultat.success), unitaires_lances=tests_unitaires)
    if resultat.exception is not None:
        bilan.echecs.append(f"dbt : {resultat.exception}")
        return bilan
    for r in resultat.result or []:
        type_noeud = r.node.resource_type
        statut = str(r.status)
        if type_noeud == "model":
            bilan.modeles += 1
        elif type_noeud == "seed":
            bilan.seeds += 1
        elif type_noeud == "unit_test":
            bilan.tests_unitaires += 1
        elif type_noeud == "test":
            bilan.tests += 1
        if statut in ("error", "fail", "runtime error"):
            bilan.echecs.append(decrire_echec(r))
    if not resultat.result:
        bilan.succes = False
        bilan.echecs.append("dbt n'a rien exécuté (sélection vide ?)")
    if bilan.succes and not selection:  # a whole build: withdrawals before it are taken in
        _marque_construction(chemins, cible).parent.mkdir(parents=True, exist_ok=True)
        _marque_construction(chemins, cible).write_text(debut.isoformat())
        if empreinte is not None:
            _empreinte_enregistree(chemins).write_text(empreinte)
    return bilan


def decrire_echec(resultat) -> str:
    """A failed node, in a user's terms: what was checked, on which model and column, where to look."""
    noeud = resultat.node
    if noeud.resource_type == "test" and getattr(noeud, "test_metadata", None) is not None:
        cible = noeud.attached_node.split(".")[-1] if noeud.attached_node else "?"
        colonne = f".{noeud.column_name}" if noeud.column_name else ""
        verifie = f"test « {noeud.test_metadata.name} » sur {cible}{colonne}"
        texte = f"{verifie} : {resultat.failures} ligne(s) en défaut"
    elif noeud.resource_type == "test":
        texte = f"test {noeud.name} : {resultat.failures} ligne(s) en défaut"
    else:
        # dbt's message starts with "Runtime Error in seed x (path)": the reason is on the next lines.
        lignes = [ligne.strip() for ligne in (resultat.message or "").splitlines() if ligne.strip()]
        texte = f"{noeud.resource_type} {noeud.name} : {' '.join(lignes[:3]) or resultat.status}"
    if getattr(noeud, "relation_name", None) and noeud.resource_type == "test":
        texte += f" (lignes conservées dans {noeud.relation_name})"
    return texte


def documentation_a_jour(chemins: Chemins, cible: str = "duckdb") -> bool:
    """The catalogue page describes the project, not the data (names, descriptions, tests, lineage,
    column types): written for the same project, it need not be written again."""
    temoin = chemins.documentation.with_name(chemins.documentation.name + ".empreinte")
    return (
        cible == "duckdb"
        and chemins.documentation.exists()
        and temoin.exists()
        and temoin.read_text().strip() == empreinte_projet()
    )


def generer_documentation(chemins: Chemins, cible: str = "duckdb") -> Path:
    """`dbt docs generate --static`: the whole catalogue (every KPI's definition, lineage, tests) in
    one self-contained HTML file, kept under outputs/ where the dashboard's documentation page reads it."""
    from dbt.cli.main import dbtRunner

    os.environ.update(environnement_dbt(chemins))
    empreinte = empreinte_projet()
    autres = ["--static", "--log-level", "none", "--log-level-file", "info", "--no-use-colors"]
    resultat = dbtRunner().invoke(arguments_dbt(chemins, "docs generate", *autres, cible=cible))
    if not resultat.success:
        raise RuntimeError(f"dbt docs generate a échoué : {resultat.exception}")
    cible_html = chemins.documentation
    cible_html.parent.mkdir(parents=True, exist_ok=True)
    provisoire = cible_html.with_name(cible_html.name + ".copie")
    shutil.copyfile(chemins.donnees / "dbt" / "target" / "static_index.html", provisoire)
    os.replace(provisoire, cible_html)
    temoin = cible_html.with_name(cible_html.name + ".empreinte")
    temoin.write_text(empreinte if cible == "duckdb" else "")
    return cible_html


def publier(chemins: Chemins, moteur: str = "duckdb") -> Path:
    """Publish one file per reader scope (pipelines/publication.py) from the marts the engine built;
    returns their directory."""
    from pipelines.publication import publier as publier_portees

    publier_portees(chemins, moteur=moteur)
    return chemins.dossier_publication
