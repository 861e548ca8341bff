"""A withdrawn file's rows leave the indicators at the next build, incremental models included."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.conftest import PETIT_JEU, aripa, ecrire_jeu, requete

# Payments of February 2026 in the hand-computed set: V4 (25,00, P1) and V6 (200,00, P2); the
# duplicate V4 and V5 (30 February) are in quarantine.
REQUETE_FEVRIER = (
    "select coalesce(sum(montant_verse), 0), coalesce(sum(nb_versements), 0) "
    "from intermediate.int_versements_procedure_mois where mois = date '2026-02-01'"
)


def _tests_unitaires_declares() -> int:
    dossier = Path(__file__).parents[1] / "dbt" / "models"
    return sum(
        len((yaml.safe_load(f.read_text(encoding="utf-8")) or {}).get("unit_tests") or [])
        for f in dossier.rglob("*.yml")
    )


def test_le_build_suivant_un_retrait_reconstruit_les_modeles_incrementaux(tmp_path):
    ecrire_jeu(tmp_path / "landing", PETIT_JEU)
    assert aripa("ingest", donnees=tmp_path).returncode == 0
    # The suite's one run of dbt's unit tests (a monthly build skips them): every one declared, passed.
    resultat = aripa("build", "--unit-tests", donnees=tmp_path)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    lances = re.search(r"(\d+) tests unitaires", resultat.stdout)
    assert lances is not None and int(lances.group(1)) == _tests_unitaires_declares() > 30, resultat.stdout
    base = tmp_path / "warehouse" / "aripa.duckdb"
    assert requete(base, REQUETE_FEVRIER) == [(225.0, 2)]

    resultat = aripa("withdraw", "versements_2026-02.csv", donnees=tmp_path)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    resultat = aripa("build", donnees=tmp_path)  # no --full-refresh: the build sees the withdrawal
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "modèles incrémentaux reconstruits" in " ".join(resultat.stdout.split())
    assert "tests unitaires dbt non lancés" in " ".join(resultat.stdout.split())
    assert requete(base, REQUETE_FEVRIER) == [(0.0, 0)]
    # January is untouched: V1 (100,00) and V2 (80,00); V3 (amount "abc") is in quarantine.
    assert requete(
        base,
        "select sum(montant_verse) from intermediate.int_versements_procedure_mois "
        "where mois = date '2026-01-01'",
    ) == [(180.0,)]
    # Nothing new since: the build keeps the marts (dbt not run), and still publishes.
    marts = "select * from marts.taux_recouvrement_flux_mensuel order by all"
    avant = requete(base, marts)
    resultat = aripa("build", donnees=tmp_path)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    sortie = " ".join(resultat.stdout.split())
    assert "rien de nouveau depuis la dernière construction" in sortie and "tests de données" not in sortie
    assert "fichiers publiés" in sortie and requete(base, marts) == avant
    # Forced, a build with nothing new withdrawn stays incremental.
    resultat = aripa("build", "--force", donnees=tmp_path)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    sortie = " ".join(resultat.stdout.split())
    assert "modèles incrémentaux reconstruits" not in sortie and "rien de nouveau" not in sortie
    assert requete(base, marts) == avant
    # The catalogue page describes the project, unchanged since the first build: not written again.
    assert "documentation du catalogue inchangée" in sortie and "dbt docs generate" not in sortie
    assert (tmp_path / "outputs" / "documentation" / "catalogue_indicateurs.html").stat().st_size > 100_000
