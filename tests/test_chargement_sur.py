"""Loads that can be trusted: business rules of the Great Expectations suites, references across
files, a load killed mid-way, a new month loaded alone, no raw identifier anywhere."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.contrat import contrat
from pipelines.validation.suites import chemin_suite, texte_suite
from tests.conftest import CLE_TEST, ENTETE_PROCEDURES, ENTETE_VERSEMENTS, aripa, ecrire_jeu, requete

BASE = Path("warehouse") / "aripa.duckdb"


def test_les_suites_de_expectations_suivent_le_contrat():
    """The checked-in suites are what the contract gives: regenerate and review when it changes
    (`python -m pipelines.validation.suites`)."""
    for extraction in contrat().values():
        assert chemin_suite(extraction.nom).read_text(encoding="utf-8") == texte_suite(extraction), (
            extraction.nom
        )


def test_references_ordre_des_dates_et_doublons_entre_fichiers(tmp_path):
    jeu = {
        "procedures_2026-02.csv": [
            ENTETE_PROCEDURES,
            "P1;1000001;2000001;311;311;RA;DEF;15/12/2025;20/01/2026;;;100,00",
            "P2;1000002;2000002;311;311;RA;CLO;10/01/2026;;05/01/2026;SOLDE;300,00",  # closed before engaged
            "P3;1000003;2000003;311;311;RA;DEF;10/01/2026;;;;",  # required TC missing
            "P4;1000004;2000004;311;311;RA;DEF;10/01/2026;;;;12;50",  # 12,50 typed with a ;
        ],
        "versements_2026-01.csv": [
            ENTETE_VERSEMENTS,
            "V1;P1;10/01/2026;100,00;VIR;DEBITEUR;100,00;0,00;0,00;0,00;0,00",
            "V2;P9;12/01/2026;80,00;VIR;DEBITEUR;80,00;0,00;0,00;0,00;0,00",  # no such procedure
            "V3;P3;13/01/2026;80,00;VIR;DEBITEUR;80,00;0,00;0,00;0,00;0,00",  # P3 quarantined, but exists
        ],
        "versements_2026-02.csv": [
            ENTETE_VERSEMENTS,
            "V1;P1;10/02/2026;100,00;VIR;DEBITEUR;100,00;0,00;0,00;0,00;0,00",  # V1 sent again
            "V4;P2;11/02/2026;-5,00;VIR;DEBITEUR;0,00;0,00;0,00;0,00;0,00",  # negative amount
        ],
    }
    ecrire_jeu(tmp_path / "landing", jeu)
    resultat = aripa("ingest", donnees=tmp_path)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    base = tmp_path / BASE
    assert requete(base, "select fichier, ligne, champ, regle, valeur from raw.quarantaine order by all") == [
        ("procedures_2026-02.csv", 3, "Clôturée le", "ordre_incoherent", "05/01/2026"),
        ("procedures_2026-02.csv", 4, "Montant mensuel TC", "obligatoire", None),
        ("procedures_2026-02.csv", 5, "Montant mensuel TC", "ligne_trop_longue", None),
        ("versements_2026-01.csv", 3, "N° procédure", "reference_inconnue", "P9"),
        ("versements_2026-02.csv", 2, "N° versement", "cle_en_double", "V1"),
        ("versements_2026-02.csv", 3, "Montant", "montant_negatif", "-5,00"),
    ]
    # V1 sent in two files of one load: the first in name order (January) wins (issue 13).
    assert requete(base, "select versement_id, _fichier from raw.versements order by 1") == [
        ("V1", "versements_2026-01.csv"),
        ("V3", "versements_2026-01.csv"),
    ]
    echecs = requete(
        base, "select extraction, regle, lignes_en_echec from raw.validations where not succes order by all"
    )
    assert echecs == [
        ("procedures", "obligatoire", 1),
        ("procedures", "ordre_incoherent", 1),
        ("versements", "montant_negatif", 1),
        ("versements", "reference_inconnue", 1),
    ]


@pytest.fixture(scope="module")
def deux_mois(tmp_path_factory) -> Path:
    """Demo extracts for 2026-01 to 2026-03, generated once."""
    donnees = tmp_path_factory.mktemp("trois_mois")
    resultat = aripa("generate", "--from", "2026-01", "--to", "2026-03", donnees=donnees)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    return donnees / "landing"


def _nombres(base: Path) -> dict[str, int]:
    return {nom: requete(base, f"select count(*) from raw.{nom}")[0][0] for nom in contrat()}


def test_un_chargement_tue_au_milieu_ne_laisse_aucune_ligne_et_le_suivant_finit(deux_mois, tmp_path):
    shutil.copytree(deux_mois, tmp_path / "landing")
    env = os.environ | {
        "ARIPA_DATA_DIR": str(tmp_path),
        "ARIPA_CLE_PSEUDONYMISATION": CLE_TEST,
        "PYTHONUNBUFFERED": "1",
    }
    processus = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "ingest"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Kill once the first extract's rows are inserted and the load goes on with the next ones.
    debut = time.monotonic()
    for ligne in processus.stdout:
        if "plan_recouvrement" in ligne and "validées" in ligne:
            break
        assert time.monotonic() - debut < 300, "le chargement n'a pas commencé"
    processus.send_signal(signal.SIGKILL)
    processus.wait(timeout=30)
    assert processus.returncode == -signal.SIGKILL

    base = tmp_path / BASE
    assert requete(base, "select count(*) from raw.manifeste") == [(0,)]
    assert set(_nombres(base).values()) == {0}
    # What the killed run had committed, batch by batch, is in its working copy, never in the warehouse.
    copie = base.with_name(base.name + ".chargement")
    assert copie.exists()

    resultat = aripa("ingest", donnees=tmp_path)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert not copie.exists() and not copie.with_name(copie.name + ".wal").exists()
    lues, chargees = requete(base, "select sum(lignes_lues), sum(lignes_chargees) from raw.manifeste")[0]
    assert lues == chargees == sum(_nombres(base).values()) > 100_000


def test_un_nouveau_mois_se_charge_seul(deux_mois, tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    for fichier in deux_mois.iterdir():
        if "2026-03" not in fichier.name:
            shutil.copy2(fichier, landing / fichier.name)
    assert aripa("ingest", donnees=tmp_path).returncode == 0
    base = tmp_path / BASE
    avant = requete(base, "select fichier, sha256, lignes_chargees from raw.manifeste order by fichier")
    versements_avant = requete(base, "select count(*) from raw.versements")[0][0]

    for fichier in deux_mois.iterdir():
        if "2026-03" in fichier.name:
            shutil.copy2(fichier, landing / fichier.name)
    resultat = aripa("ingest", donnees=tmp_path)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    apres = requete(base, "select fichier, sha256, lignes_chargees from raw.manifeste order by fichier")
    nouveaux = [ligne for ligne in apres if ligne not in avant]
    assert {f for f, _, _ in nouveaux} == {f.name for f in deux_mois.iterdir() if "2026-03" in f.name}
    assert all(ligne in apres for ligne in avant)  # the history is not reprocessed
    mars = requete(base, "select count(*) from raw.versements where _fichier = 'versements_2026-03.csv'")[0][
        0
    ]
    assert requete(base, "select count(*) from raw.versements")[0][0] == versements_avant + mars


def test_aucun_identifiant_brut_dans_aucune_colonne_texte_de_l_entrepot(deux_mois, tmp_path):
    """Every text column of every table (raw, quarantine, dbt models, audit) is scanned for the
    file numbers, dates of birth and names the extracts carry."""
    import polars as pl

    from pipelines.generation.ecriture import ENCODAGE

    shutil.copytree(deux_mois, tmp_path / "landing")
    for etape in ("ingest", "build"):
        resultat = aripa(etape, donnees=tmp_path)
        assert resultat.returncode == 0, resultat.stdout + resultat.stderr

    procedures = pl.read_csv(
        tmp_path / "landing" / "procedures_2026-03.csv", separator=";", encoding=ENCODAGE, infer_schema=False
    )
    creances = pl.read_csv(
        tmp_path / "landing" / "creances_2026-03.csv", separator=";", encoding=ENCODAGE, infer_schema=False
    )
    bruts = set()
    for colonne in ("Matricule créancier", "Matricule débiteur", "Nom créancier", "Nom débiteur"):
        bruts |= set(procedures[colonne].drop_nulls())
    bruts |= set(creances["Matricule"].drop_nulls())
    for colonne in ("Date de naissance créancier", "Date de naissance débiteur"):
        for jour in procedures[colonne].drop_nulls():
            bruts |= {jour, f"{jour[6:]}-{jour[3:5]}-{jour[:2]}"}
    assert len(bruts) > 10_000

    base = tmp_path / BASE
    # The same person gets the same key in every extract: an OIF debt sits on its débiteur's file.
    paires = requete(
        base,
        "select count(*), count(*) filter (where c.cle_allocataire = p.cle_debiteur) "
        "from raw.creances c join raw.procedures p using (procedure_id, _periode)",
    )[0]
    assert paires[0] > 100 and paires[0] == paires[1]
    with duckdb.connect(str(base), read_only=True) as con:  # one connection: ~1 500 columns
        colonnes = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR'"
        ).fetchall()
        assert len(colonnes) > 100
        for schema, table, colonne in colonnes:
            sql = f'select distinct "{colonne}" from "{schema}"."{table}"'
            valeurs = {v for (v,) in con.execute(sql).fetchall()}
            assert not valeurs & bruts, (schema, table, colonne)
