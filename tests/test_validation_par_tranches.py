"""Great Expectations run on bounded chunks of rows (executer.valider_lots): the same raw tables,
quarantine, manifest and validation counts whatever the chunk size, and progress while it runs."""

from __future__ import annotations

import os
from datetime import date

import polars as pl
import pytest

from pipelines.contrat import contrat
from pipelines.ingestion.chargement import Lot
from pipelines.ingestion.executer import _resultats_cumules, lignes_par_validation, tranches
from tests.conftest import ENTETE_PROCEDURES, ENTETE_VERSEMENTS, aripa, requete


def _lot(nom: str, lignes: list[int]) -> Lot:
    return Lot(
        extraction=contrat()["versements"],
        fichier=nom,
        sha256="0" * 64,
        periode=date(2026, 1, 1),
        lignes_lues=len(lignes),
        valides=pl.DataFrame({"_ligne": lignes}),
        quarantaine=pl.DataFrame(),
        duree_s=0.0,
    )


def test_les_tranches_coupent_dans_un_fichier_et_gardent_l_ordre():
    lots = [_lot("a", [2, 3, 4, 5, 6]), _lot("b", []), _lot("c", [2, 3])]
    decoupe = tranches(lots, 3)
    assert [[(n, m["_ligne"].to_list()) for n, m in t] for t in decoupe] == [
        [(0, [2, 3, 4])],
        [(0, [5, 6]), (2, [2])],
        [(2, [3])],
    ]
    assert tranches([_lot("a", [])], 3) == []


def test_les_resultats_des_tranches_s_additionnent():
    schema = ["extraction", "attente", "colonne", "regle", "lignes_validees", "lignes_en_echec", "succes"]
    partie_1 = pl.DataFrame(
        [
            ("v", "non_nul", "montant", "obligatoire", 3, 0, True),
            ("v", "entre", "montant", "borne", 3, 1, False),
        ],
        schema=schema,
        orient="row",
    )
    partie_2 = pl.DataFrame(
        [
            ("v", "non_nul", "montant", "obligatoire", 2, 0, True),
            ("v", "entre", "montant", "borne", 2, 0, True),
        ],
        schema=schema,
        orient="row",
    )
    assert _resultats_cumules([partie_1, partie_2]).rows() == [
        ("v", "non_nul", "montant", "obligatoire", 5, 0, True),
        ("v", "entre", "montant", "borne", 5, 1, False),
    ]


def test_taille_de_tranche_lue_de_l_environnement(monkeypatch):
    monkeypatch.setenv("ARIPA_LIGNES_PAR_VALIDATION", "997")
    assert lignes_par_validation() == 997
    monkeypatch.setenv("ARIPA_LIGNES_PAR_VALIDATION", "0")
    with pytest.raises(ValueError, match="ARIPA_LIGNES_PAR_VALIDATION"):
        lignes_par_validation()


def _contenu(base) -> dict[str, list[tuple]]:
    tables = {e.nom: f"select * from raw.{e.nom} order by _fichier, _ligne" for e in contrat().values()}
    tables["quarantaine"] = "select * from raw.quarantaine order by all"
    tables["manifeste"] = (
        "select fichier, sha256, extraction, periode, lignes_lues, lignes_chargees, lignes_quarantaine, "
        "statut, message, lignes_vides from raw.manifeste order by fichier"
    )
    tables["validations"] = (
        "select extraction, fichiers, attente, colonne, regle, lignes_validees, lignes_en_echec, succes "
        "from raw.validations order by all"
    )
    return {nom: requete(base, sql) for nom, sql in tables.items()}


def test_par_tranches_memes_tables_meme_quarantaine(tmp_path, monkeypatch):
    """Three months with injected faults (unknown Cafs, negative amounts: rules of the suites),
    loaded whole and in chunks of 49 999 rows, cut inside files (a procedures photograph holds
    ~95 000 rows): row for row the same warehouse."""
    resultat = aripa(
        "generate", "--from", "2025-11", "--to", "2026-01", "--defects", "0.002", donnees=tmp_path
    )
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    contenus, sorties = {}, {}
    for taille in ("", "49999"):
        donnees = tmp_path / f"entrepot_{taille or 'entier'}"
        monkeypatch.setitem(os.environ, "ARIPA_LIGNES_PAR_VALIDATION", taille)
        resultat = aripa("ingest", "--landing", str(tmp_path / "landing_defauts"), donnees=donnees)
        assert resultat.returncode == 0, resultat.stdout + resultat.stderr
        contenus[taille], sorties[taille] = _contenu(donnees / "warehouse" / "aripa.duckdb"), resultat.stdout
    entier, coupe = contenus[""], contenus["49999"]
    assert len(entier["quarantaine"]) > 100
    regles = {r[3] for r in entier["quarantaine"]}
    assert {"code_inconnu", "montant_negatif", "cle_en_double"} <= regles  # the suites' rules among them
    assert sum(len(entier[e.nom]) for e in contrat().values()) > 10_000
    for nom in entier:
        assert coupe[nom] == entier[nom], nom
    # Progress of a chunked validation: rows done, rate, time left.
    assert "lignes/s, fin dans ~" in sorties["49999"]
    assert "lignes/s" not in sorties[""]


def test_une_cle_refusee_par_la_suite_reste_prise_dans_les_lots_suivants(tmp_path, monkeypatch):
    """Files are read, validated and loaded in batches (one file each here, ARIPA_LIGNES_PAR_VALIDATION=1):
    a key whose first row the suite refused (an unknown payment type) still belongs to that file, so the
    same key in a later batch is cle_en_double, as when the run is one batch; and a key loaded by an
    earlier batch is « déjà lue dans ce chargement », not « déjà chargée »."""
    from tests.test_ingestion_hostile import ecrire, procedure, versement

    depot = tmp_path / "landing"
    depot.mkdir()
    ecrire(
        depot, "procedures_2026-10.csv", [ENTETE_PROCEDURES, procedure("P1", "1", "2", "x").rsplit(";", 1)[0]]
    )
    ecrire(depot, "versements_2026-07.csv", [ENTETE_VERSEMENTS, versement("V1", "10/07/2026")])
    ecrire(depot, "versements_2026-08.csv", [ENTETE_VERSEMENTS, versement("V2", "10/08/2026", type="ZZZ")])
    ecrire(
        depot,
        "versements_2026-09.csv",
        [ENTETE_VERSEMENTS, versement("V2", "10/09/2026"), versement("V1", "11/09/2026"), versement("V3")],
    )
    contenus = {}
    for taille in ("", "1"):
        donnees = tmp_path / f"entrepot_{taille or 'entier'}"
        monkeypatch.setitem(os.environ, "ARIPA_LIGNES_PAR_VALIDATION", taille)
        resultat = aripa("ingest", "--landing", str(depot), donnees=donnees)
        assert resultat.returncode == 0, resultat.stdout + resultat.stderr
        contenus[taille] = _contenu(donnees / "warehouse" / "aripa.duckdb")
    assert [(q[0], q[1], q[3], q[5]) for q in contenus["1"]["quarantaine"]] == [
        ("versements_2026-08.csv", 2, "code_inconnu", None),
        (
            "versements_2026-09.csv",
            2,
            "cle_en_double",
            "déjà lue dans ce chargement dans versements_2026-08.csv, ligne 2",
        ),
        (
            "versements_2026-09.csv",
            3,
            "cle_en_double",
            "déjà lue dans ce chargement dans versements_2026-07.csv, ligne 2",
        ),
    ]
    assert [(r[0], r[-3]) for r in contenus["1"]["versements"]] == [
        ("V1", "versements_2026-07.csv"),
        ("V3", "versements_2026-09.csv"),
    ]
    for nom in contenus[""]:
        assert contenus["1"][nom] == contenus[""][nom], nom
