"""The peer engine: the same dbt project on PostgreSQL (Debian's `postgresql`; `apt-get install -y
postgresql` where it is absent), started here on loopback with a throwaway data directory, the
warehouse's raw tables copied in (not timed), then the three marts of the floor and their upstream
models built by dbt-postgres and timed like the DuckDB ones (pipelines/banc/dbt_seul.py), and
the three marts compared row for row with the warehouse's (`memes_lignes`).

Whatever fails (no PostgreSQL, a model the dialect refuses) is reported with its reason, never
hidden: the ratio is then absent, not guessed."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pipelines.banc.plancher import MARTS, SELECTION
from pipelines.config import DOSSIER_DBT

if TYPE_CHECKING:
    from pipelines.banc.executer import Banc

BINAIRES = [Path("/usr/lib/postgresql") / v / "bin" for v in ("17", "16", "15")]
TYPES = {
    "DECIMAL(14,2)": "numeric(14,2)",
    "VARCHAR": "text",
    "DATE": "date",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "BOOLEAN": "boolean",
    "DOUBLE": "double precision",
    "TIMESTAMP": "timestamp",
}


def _binaire(nom: str) -> str | None:
    for dossier in BINAIRES:
        if (dossier / nom).exists():
            return str(dossier / nom)
    return shutil.which(nom)


def _profil(dossier: Path, port: int) -> Path:
    dossier.mkdir(parents=True, exist_ok=True)
    (dossier / "profiles.yml").write_text(
        "aripa:\n  target: postgres\n  outputs:\n    postgres:\n      type: postgres\n"
        f"      host: 127.0.0.1\n      port: {port}\n      user: aripa\n      password: ''\n"
        "      dbname: aripa\n      schema: public\n      threads: 2\n"
    )
    return dossier


def _copier_raw(entrepot: Path, port: int, travail: Path) -> dict[str, int]:
    import psycopg2

    lignes = {}
    with (
        duckdb.connect(str(entrepot), read_only=True) as src,
        psycopg2.connect(host="127.0.0.1", port=port, user="aripa", dbname="aripa") as pg,
    ):
        cur = pg.cursor()
        cur.execute("create schema if not exists raw")
        tables = [
            r[0]
            for r in src.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        ]
        for table in tables:
            colonnes = src.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            ddl = ", ".join(f'"{n}" {TYPES.get(t, "text")}' for n, t in colonnes)
            cur.execute(f'drop table if exists raw."{table}"; create table raw."{table}" ({ddl})')
            fichier = travail / f"{table}.csv"
            src.execute(f"copy raw.{table} to '{fichier}' (header false, delimiter ',', quote '\"')")
            with fichier.open() as f:
                cur.copy_expert(f'copy raw."{table}" from stdin with (format csv)', f)
            fichier.unlink()
            lignes[table] = src.execute(f"select count(*) from raw.{table}").fetchall()[0][0]
        # Statistics now: the first models read these tables at once, before autovacuum would.
        cur.execute("analyze")
        pg.commit()
    return lignes


def _dbt(commande: str, profils: Path, cible: Path, *autres: str) -> dict:
    from dbt.cli.main import dbtRunner

    debut = time.perf_counter()
    resultat = dbtRunner().invoke(
        [
            *commande.split(),
            "--project-dir",
            str(DOSSIER_DBT),
            "--profiles-dir",
            str(profils),
            "--target-path",
            str(cible / "target"),
            "--log-path",
            str(cible / "logs"),
            "--log-level",
            "none",
            "--log-level-file",
            "info",
            *autres,
        ]
    )
    echecs = [
        f"{r.node.name} : {str(r.message)[:200]}"
        for r in (resultat.result or [])
        if str(r.status) in ("error", "fail")
    ]
    if resultat.exception is not None:
        echecs.append(str(resultat.exception)[:300])
    return {
        "duree_s": time.perf_counter() - debut,
        "succes": bool(resultat.success),
        "echecs": echecs[:5],
        "noeuds": len(resultat.result or []),
    }


def _valeur(v: object) -> object:
    """A cell comparable across engines: numbers as floats to 6 decimals (numeric vs double)."""
    if isinstance(v, float | Decimal):
        return round(float(v), 6)
    return v


def _memes_lignes(entrepot: Path, port: int) -> dict[str, bool]:
    """Each mart of the floor, PostgreSQL's rows against the DuckDB warehouse's, as sorted lists."""
    import psycopg2

    egaux = {}
    with (
        duckdb.connect(str(entrepot), read_only=True) as src,
        psycopg2.connect(host="127.0.0.1", port=port, user="aripa", dbname="aripa") as pg,
    ):
        cur = pg.cursor()
        for mart in MARTS:
            colonnes = ", ".join(
                f'"{d[0]}"' for d in src.execute(f"select * from marts.{mart} limit 0").description
            )
            cur.execute(f"select {colonnes} from marts.{mart}")
            lignes = [cur.fetchall(), src.execute(f"select {colonnes} from marts.{mart}").fetchall()]
            triees = [sorted((tuple(map(_valeur, r)) for r in t), key=repr) for t in lignes]
            egaux[mart] = triees[0] == triees[1]
    return egaux


def comparer_postgres(banc: Banc, duree_duckdb: float) -> dict:
    """Run the peer as a separate process (its memory apart), return its figures."""
    sortie = banc.travail / "postgres"
    mesure = banc._mesurer(
        "postgres",
        [
            sys.executable,
            "-m",
            "pipelines.banc.postgres",
            str(banc.donnees / "warehouse" / "aripa.duckdb"),
            str(sortie),
        ],
    )
    if mesure.interne is None:
        return {"echec": f"aucun résultat : voir {mesure.journal}"}
    figure = dict(mesure.interne) | {"pic_rss_octets_client": mesure.pic_octets}
    if figure.get("duree_s") and figure.get("succes"):
        figure["ratio"] = figure["duree_s"] / duree_duckdb
    return figure


def main() -> None:

    entrepot, travail = Path(sys.argv[1]), Path(sys.argv[2])
    initdb, pg_ctl = _binaire("initdb"), _binaire("pg_ctl")
    if not initdb or not pg_ctl:
        print(json.dumps({"ignore": "PostgreSQL absent : `apt-get install -y postgresql` (Debian)"}))
        return
    try:
        import dbt.adapters.postgres  # noqa: F401
    except ImportError:
        print(json.dumps({"ignore": "dbt-postgres absent de l'environnement"}))
        return
    shutil.rmtree(travail, ignore_errors=True)
    travail.mkdir(parents=True)
    serveur = travail / "serveur"  # data directory, socket and log: the server's own
    serveur.mkdir()
    # PostgreSQL refuses to run as root: as root, the server runs as Debian's `postgres` user.
    en_tant_que: list[str] = []
    if os.geteuid() == 0:
        compte = pwd.getpwnam("postgres")
        en_tant_que = ["runuser", "-u", "postgres", "--"]
        os.chown(serveur, compte.pw_uid, compte.pw_gid)
        if subprocess.run([*en_tant_que, "test", "-w", str(serveur)], check=False).returncode != 0:
            # A work directory under a folder only root may cross (pytest's are 0700): the
            # server's own throwaway directory under the system's temporary folder instead.
            serveur = Path(tempfile.mkdtemp(prefix="aripa_banc_postgres_"))
            os.chown(serveur, compte.pw_uid, compte.pw_gid)
    donnees = serveur / "pgdata"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    initialisation = subprocess.run(
        [*en_tant_que, initdb, "-D", str(donnees), "-U", "aripa", "-A", "trust", "--no-sync"],
        capture_output=True,
        text=True,
        check=False,
    )
    if initialisation.returncode != 0:
        raison = (initialisation.stderr.strip().splitlines() or ["?"])[-1][:200]
        print(json.dumps({"echec": f"initdb en échec (code {initialisation.returncode}) : {raison}"}))
        shutil.rmtree(serveur, ignore_errors=True)
        return
    options = (
        f"-p {port} -k {serveur} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=1GB "
        "-c work_mem=256MB -c max_wal_size=8GB -c synchronous_commit=off"
    )
    subprocess.run(
        [
            *en_tant_que,
            pg_ctl,
            "-D",
            str(donnees),
            "-o",
            options,
            "-l",
            str(serveur / "postgres.log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        import psycopg2

        connexion = psycopg2.connect(host="127.0.0.1", port=port, user="aripa", dbname="postgres")
        connexion.autocommit = True
        connexion.cursor().execute("create database aripa")
        connexion.close()
        # The project's portable type names (`string`, `double`: DuckDB's and Spark's) are not
        # PostgreSQL's: two domains give them their PostgreSQL meaning, so the project runs unedited.
        with psycopg2.connect(host="127.0.0.1", port=port, user="aripa", dbname="aripa") as pg:
            pg.cursor().execute(
                "create domain public.string as text; create domain public.double as double precision"
            )
        debut = time.perf_counter()
        lignes = _copier_raw(entrepot, port, travail)
        copie_s = time.perf_counter() - debut
        profils = _profil(travail / "profil", port)
        graines = _dbt("seed", profils, travail)
        marts = _dbt(
            "run",
            profils,
            travail,
            "--full-refresh",
            "--select",
            SELECTION,
        )
        egaux = _memes_lignes(entrepot, port) if marts["succes"] else {}
        print(
            json.dumps(
                {
                    "duree_s": marts["duree_s"],
                    # the same rows as DuckDB's marts (the warehouse's), mart by mart
                    "memes_lignes": egaux,
                    "succes": marts["succes"] and graines["succes"],
                    "echecs": graines["echecs"] + marts["echecs"],
                    "modeles": marts["noeuds"],
                    "copie_raw_s": copie_s,
                    "lignes_raw": sum(lignes.values()),
                    "port": port,
                }
            )
        )
    finally:
        subprocess.run(
            [*en_tant_que, pg_ctl, "-D", str(donnees), "-m", "fast", "-w", "stop"], capture_output=True
        )
        shutil.rmtree(serveur if serveur.parent != travail else donnees, ignore_errors=True)


if __name__ == "__main__":
    main()
