"""`aripa generate --defects`: every injected fault is quarantined under the expected rule, nothing else
is; and the same extracts written as CSV, Parquet and xlsx load to the same rows."""

from __future__ import annotations

import csv

import pytest

from pipelines.contrat import contrat
from tests.conftest import aripa, requete


def test_chaque_defaut_injecte_est_en_quarantaine_avec_sa_regle_et_aucun_autre(tmp_path):
    resultat = aripa(
        "generate", "--from", "2025-11", "--to", "2026-01", "--defects", "0.002", donnees=tmp_path
    )
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    with (tmp_path / "verite" / "manifeste_defauts.csv").open(encoding="utf-8") as handle:
        defauts = list(csv.DictReader(handle, delimiter=";"))
    assert {d["defaut"] for d in defauts} == {
        "doublon",
        "caf_inconnue",
        "montant_negatif",
        "montant_non_numerique",
        "date_impossible",
        "ligne_tronquee",
        "encodage",
    }
    resultat = aripa("ingest", "--landing", str(tmp_path / "landing_defauts"), donnees=tmp_path)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr

    base = tmp_path / "warehouse" / "aripa.duckdb"
    quarantaine = {
        (f, int(ligne)): (champ, regle)
        for f, ligne, champ, regle in requete(
            base, "select fichier, ligne, champ, regle from raw.quarantaine"
        )
    }
    attendus = {
        (d["fichier"], int(d["ligne"])): (d["champ"], d["regle_attendue"]) for d in defauts if d["ligne"]
    }
    assert len(attendus) > 100
    assert quarantaine == attendus  # each bad row with its field and rule; no good row

    refuse = next(d["fichier"] for d in defauts if d["defaut"] == "encodage")
    assert f"{refuse}" in resultat.stdout and "UTF-16" in resultat.stdout
    assert requete(base, f"select statut, lignes_chargees from raw.manifeste where fichier = '{refuse}'") == [
        ("refusé", 0)
    ]
    assert requete(base, f"select count(*) from raw.evenements where _fichier = '{refuse}'") == [(0,)]


def _lignes(base, extraction):
    colonnes = ", ".join(c.nom for c in extraction.colonnes)
    return requete(base, f"select {colonnes}, _ligne, _periode from raw.{extraction.nom} order by all")


@pytest.mark.slow
def test_csv_parquet_et_xlsx_chargent_les_memes_lignes(tmp_path):
    bases = {}
    for format in ("csv", "parquet", "xlsx"):
        donnees = tmp_path / format
        for etape in (["generate", "--from", "2026-02", "--to", "2026-02", "--format", format], ["ingest"]):
            resultat = aripa(*etape, donnees=donnees)
            assert resultat.returncode == 0, resultat.stdout + resultat.stderr
        bases[format] = donnees / "warehouse" / "aripa.duckdb"
    for extraction in contrat().values():
        reference = _lignes(bases["csv"], extraction)
        if extraction.nom not in ("remises_dettes", "evenements"):
            assert reference, extraction.nom
        assert _lignes(bases["parquet"], extraction) == reference, extraction.nom
        assert _lignes(bases["xlsx"], extraction) == reference, extraction.nom
