"""Wall time and peak memory of one command: the RSS of its whole process tree, sampled.

`/usr/bin/time -v` reports the largest single process; dbt, Streamlit or PostgreSQL run several,
so the sampler sums the resident memory of the command and all its descendants every 50 ms.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

PERIODE_S = 0.05


@dataclass(frozen=True)
class Mesure:
    duree_s: float
    pic_octets: int
    code: int
    journal: str  # path of the command's output
    interne: dict | None = None  # the last JSON line the command printed (a time it measured itself)


def rss_arbre(processus: psutil.Process) -> int:
    total = 0
    try:
        membres = [processus, *processus.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for membre in membres:
        try:
            total += membre.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def _derniere_ligne_json(chemin: Path) -> dict | None:
    try:
        lignes = chemin.read_text(errors="replace").strip().splitlines()
    except OSError:
        return None
    for ligne in reversed(lignes[-20:]):
        if ligne.startswith("{") and ligne.endswith("}"):
            try:
                return json.loads(ligne)
            except json.JSONDecodeError:
                return None
    return None


def mesurer(
    commande: list[str], journal: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Mesure:
    """Run `commande` to its end, its output into `journal`; its time and the tree's peak RSS."""
    journal.parent.mkdir(parents=True, exist_ok=True)
    debut = time.perf_counter()
    with journal.open("w") as sortie:
        proc = subprocess.Popen(
            commande, stdout=sortie, stderr=subprocess.STDOUT, env=env or os.environ.copy(), cwd=cwd
        )
        racine = psutil.Process(proc.pid)
        pic = 0
        while proc.poll() is None:
            pic = max(pic, rss_arbre(racine))
            time.sleep(PERIODE_S)
    return Mesure(
        time.perf_counter() - debut, pic, proc.returncode, str(journal), _derniere_ligne_json(journal)
    )
