"""House rules checked with the tests: ruff clean, and no generated data or secret tracked by git."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]


def test_ruff_ne_signale_rien():
    for commande in (["check", "."], ["format", "--check", "."]):
        resultat = subprocess.run(
            [sys.executable, "-m", "ruff", *commande], cwd=RACINE, capture_output=True, text=True, check=False
        )
        assert resultat.returncode == 0, resultat.stdout + resultat.stderr


def test_aucun_fichier_genere_ni_secret_n_est_suivi_par_git():
    suivis = subprocess.run(
        ["git", "ls-files"], cwd=RACINE, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    interdits = [f for f in suivis if f.endswith((".duckdb", ".key", ".wal")) or f.startswith("data/landing")]
    assert interdits == []
