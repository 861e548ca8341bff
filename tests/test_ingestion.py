"""Ingestion: every row read is loaded or quarantined with its reason, and the counts reconcile."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from pipelines.ingestion.controle import MASQUE_PERSONNEL
from pipelines.ingestion.executer import ingerer
from pipelines.ingestion.lecture import FichierIllisible, lire_fichier
from pipelines.ingestion.pseudonymisation import CleInvalide, Pseudonymiseur, charger_cle
from tests.conftest import CLE_TEST, ENTETE_PROCEDURES, ENTETE_VERSEMENTS, PETIT_JEU, ecrire_jeu, requete

PSEUDO = Pseudonymiseur(bytes.fromhex(CLE_TEST))


def _ingerer(tmp_path: Path, jeu: dict | None = None, **kwargs):
    if jeu is not None:
        ecrire_jeu(tmp_path / "landing", jeu, **kwargs)
    return ingerer(tmp_path / "landing", tmp_path / "aripa.duckdb", PSEUDO)


def test_lignes_refusees_en_quarantaine_avec_fichier_ligne_champ_regle(tmp_path):
    rapport = _ingerer(tmp_path, PETIT_JEU)
    par_fichier = {
        r.fichier: (r.statut, r.lignes_lues, r.lignes_chargees, r.lignes_quarantaine) for r in rapport.lignes
    }
    assert par_fichier == {
        "procedures_2026-02.csv": ("chargé", 5, 4, 1),
        "plan_2026-01.csv": ("chargé", 3, 3, 0),
        "plan_2026-02.csv": ("chargé", 2, 2, 0),
        "versements_2026-01.csv": ("chargé", 3, 2, 1),
        "versements_2026-02.csv": ("chargé", 4, 2, 2),
    }
    quarantaine = requete(
        tmp_path / "aripa.duckdb",
        "select fichier, ligne, champ, regle, valeur from raw.quarantaine order by fichier, ligne",
    )
    assert quarantaine == [
        ("procedures_2026-02.csv", 5, "Caf gestionnaire", "code_inconnu", "999"),
        ("versements_2026-01.csv", 4, "Montant", "format_montant", "abc"),
        ("versements_2026-02.csv", 3, "N° versement", "cle_en_double", "V4"),
        ("versements_2026-02.csv", 4, "Date de valeur", "format_date", "30/02/2026"),
    ]


def test_les_comptes_se_reconcilient_dans_le_manifeste_et_les_tables(tmp_path):
    _ingerer(tmp_path, PETIT_JEU)
    base = tmp_path / "aripa.duckdb"
    for fichier, lues, chargees, quarantaine in requete(
        base, "select fichier, lignes_lues, lignes_chargees, lignes_quarantaine from raw.manifeste"
    ):
        assert lues == chargees + quarantaine
        table = fichier.split("_")[0].replace("plan", "plan_recouvrement")
        assert (
            requete(base, f"select count(*) from raw.{table} where _fichier = '{fichier}'")[0][0] == chargees
        )
        lignes_refusees = requete(
            base, f"select count(distinct ligne) from raw.quarantaine where fichier = '{fichier}'"
        )
        assert lignes_refusees[0][0] == quarantaine


def test_identifiants_pseudonymises_par_hmac_et_masques_en_quarantaine(tmp_path):
    jeu = {
        "procedures_2026-02.csv": [
            ENTETE_PROCEDURES,
            "P1;1000001;2000001;311;311;RA;DEF;15/12/2025;;;;100,00",
            "P2; 1000001 ;;311;311;RA;DEF;15/12/2025;;;;100,00",
        ]
    }
    _ingerer(tmp_path, jeu)
    base = tmp_path / "aripa.duckdb"
    attendu = hmac.new(bytes.fromhex(CLE_TEST), b"1000001", hashlib.sha256).hexdigest()[:32]
    assert requete(base, "select cle_creancier, cle_debiteur from raw.procedures") == [
        (attendu, hmac.new(bytes.fromhex(CLE_TEST), b"2000001", hashlib.sha256).hexdigest()[:32])
    ]
    # P2 misses its débiteur: quarantined, and the créancier's number is not copied there either.
    assert requete(base, "select ligne, champ, regle, valeur from raw.quarantaine") == [
        (3, "Matricule débiteur", "obligatoire", MASQUE_PERSONNEL)
    ]
    textes = requete(base, "select string_agg(cast(columns(*) as varchar), '|') from raw.procedures")
    assert "1000001" not in str(textes) and "2000001" not in str(textes)


def test_recharger_les_memes_fichiers_ne_change_rien(tmp_path):
    _ingerer(tmp_path, PETIT_JEU)
    base = tmp_path / "aripa.duckdb"
    avant = (
        requete(base, "select count(*) from raw.versements")[0][0],
        requete(base, "select count(*) from raw.manifeste")[0][0],
    )
    rapport = _ingerer(tmp_path)
    assert {r.statut for r in rapport.lignes} == {"déjà chargé"}
    apres = (
        requete(base, "select count(*) from raw.versements")[0][0],
        requete(base, "select count(*) from raw.manifeste")[0][0],
    )
    assert avant == apres == (4, 5)


def test_un_renvoi_corrige_remplace_les_lignes_du_fichier(tmp_path):
    _ingerer(tmp_path, PETIT_JEU)
    corrige = {
        "versements_2026-01.csv": [
            ENTETE_VERSEMENTS,
            "V1;P1;10/01/2026;100,00;VIR;DEBITEUR;100,00;0,00;0,00;0,00;0,00",
            "V3;P3;31/01/2026;10,00;VIR;DEBITEUR;10,00;0,00;0,00;0,00;0,00",
        ]
    }
    rapport = _ingerer(tmp_path, corrige)
    assert [(r.fichier, r.statut) for r in rapport.lignes if r.statut != "déjà chargé"] == [
        ("versements_2026-01.csv", "remplacé")
    ]
    base = tmp_path / "aripa.duckdb"
    assert requete(
        base, "select versement_id from raw.versements where _fichier = 'versements_2026-01.csv' order by 1"
    ) == [("V1",), ("V3",)]
    assert (
        requete(base, "select count(*) from raw.quarantaine where fichier = 'versements_2026-01.csv'")[0][0]
        == 0
    )
    assert requete(
        base,
        "select statut, count(*) from raw.manifeste where fichier = 'versements_2026-01.csv' "
        "group by statut order by statut",
    ) == [("chargé", 1), ("remplacé", 1)]


def test_les_dialectes_donnent_les_memes_lignes(tmp_path):
    """cp1252 + ';' + CRLF, and UTF-8 with BOM + ',' + LF + reordered columns + an extra column."""
    _ingerer(tmp_path / "a", PETIT_JEU)
    entetes = ENTETE_VERSEMENTS.split(";")
    ordre = list(reversed(range(len(entetes))))
    autre = {}
    for nom, lignes in PETIT_JEU.items():
        champs = [ligne.split(";") for ligne in lignes]
        if nom.startswith("versements"):
            champs = [
                [c[i] for i in ordre] + (["Commentaire"] if n == 0 else ["libre, avec virgule"])
                for n, c in enumerate(champs)
            ]
        autre[nom] = [",".join(f'"{v}"' if "," in v else v for v in c) for c in champs]
    (tmp_path / "b" / "landing").mkdir(parents=True)
    for nom, lignes in autre.items():
        (tmp_path / "b" / "landing" / nom).write_bytes(
            b"\xef\xbb\xbf" + ("\n".join(lignes) + "\n").encode("utf-8")
        )
    rapport = ingerer(tmp_path / "b" / "landing", tmp_path / "b" / "aripa.duckdb", PSEUDO)
    assert all(r.statut == "chargé" for r in rapport.lignes)
    colonnes = (
        "versement_id, procedure_id, date_valeur, montant, type_versement, provenance, montant_tc, _ligne"
    )
    assert requete(
        tmp_path / "a" / "aripa.duckdb", f"select {colonnes} from raw.versements order by 1"
    ) == requete(tmp_path / "b" / "aripa.duckdb", f"select {colonnes} from raw.versements order by 1")
    assert requete(
        tmp_path / "a" / "aripa.duckdb", "select * exclude (valeur) from raw.quarantaine order by all"
    ) == requete(
        tmp_path / "b" / "aripa.duckdb", "select * exclude (valeur) from raw.quarantaine order by all"
    )


def test_colonne_obligatoire_absente_refuse_le_fichier_et_charge_les_autres(tmp_path):
    jeu = dict(PETIT_JEU)
    jeu["versements_2026-02.csv"] = [
        ";".join(c for c in ENTETE_VERSEMENTS.split(";") if c != "Date de valeur"),
        "V4;P1;25,00;VIR;DEBITEUR;25,00;0,00;0,00;0,00;0,00",
    ]
    ecrire_jeu(tmp_path / "landing", jeu)
    (tmp_path / "landing" / "notes.txt").write_text("rien à voir")
    rapport = ingerer(tmp_path / "landing", tmp_path / "aripa.duckdb", PSEUDO)
    statuts = {r.fichier: (r.statut, r.message) for r in rapport.lignes}
    assert statuts["versements_2026-02.csv"] == (
        "refusé",
        "versements_2026-02.csv, ligne 1, champ « Date de valeur » : colonne obligatoire absente",
    )
    assert statuts["notes.txt"][0] == "ignoré"
    assert statuts["versements_2026-01.csv"][0] == "chargé"
    manifeste = requete(
        tmp_path / "aripa.duckdb", "select fichier, statut, message from raw.manifeste order by 1"
    )
    assert [(f, s) for f, s, _ in manifeste] == [
        ("plan_2026-01.csv", "chargé"),
        ("plan_2026-02.csv", "chargé"),
        ("procedures_2026-02.csv", "chargé"),
        ("versements_2026-01.csv", "chargé"),
        ("versements_2026-02.csv", "refusé"),
    ]
    assert manifeste[4][2] == statuts["versements_2026-02.csv"][1]


def test_octet_illisible_nomme_la_ligne(tmp_path):
    from pipelines.contrat import contrat

    chemin = tmp_path / "versements_2026-01.csv"
    chemin.write_bytes((ENTETE_VERSEMENTS + "\r\nV1;P1").encode("cp1252") + b"\x81\r\n")
    with pytest.raises(FichierIllisible) as erreur:
        lire_fichier(chemin, contrat()["versements"])
    assert str(erreur.value) == (
        "versements_2026-01.csv, ligne 2, champ « N° procédure » : "
        "octet 0x81 illisible en UTF-8 comme en cp1252"
    )


def test_une_autre_cle_de_pseudonymisation_est_refusee(tmp_path, monkeypatch):
    _ingerer(tmp_path, PETIT_JEU)
    autre = Pseudonymiseur(bytes.fromhex("22" * 32))
    with pytest.raises(CleInvalide, match="clé de pseudonymisation diffère"):
        ingerer(tmp_path / "landing", tmp_path / "aripa.duckdb", autre)


def test_cle_creee_au_premier_lancement_lisible_par_son_seul_proprietaire(tmp_path, monkeypatch):
    monkeypatch.delenv("ARIPA_CLE_PSEUDONYMISATION", raising=False)
    premiere = charger_cle(tmp_path / "cles")
    assert (tmp_path / "cles" / "pseudonymisation.key").stat().st_mode & 0o777 == 0o600
    assert charger_cle(tmp_path / "cles").empreinte == premiere.empreinte
    monkeypatch.setenv("ARIPA_CLE_PSEUDONYMISATION", "abcd")
    with pytest.raises(CleInvalide, match="trop courte"):
        charger_cle(tmp_path / "cles")


def test_versement_date_avant_l_engagement_de_sa_procedure_en_quarantaine(tmp_path):
    """Issue 12: a payment dated before its procedure's engagement is `ordre_incoherent`, checked
    across extracts (in the same load, and against a procedure already in the warehouse, its
    latest photograph), the quarantine naming both dates."""
    procedures = [
        ENTETE_PROCEDURES,
        "P1;1000001;2000001;311;311;RA;DEF;15/01/2026;;;;100,00",
        "P2;1000002;2000002;311;311;RA;ENG;03/01/2026;;;;200,00",
    ]
    premier = {
        "procedures_2026-01.csv": procedures,
        "versements_2026-01.csv": [
            ENTETE_VERSEMENTS,
            "V1;P1;14/01/2026;100,00;VIR;DEBITEUR;100,00;0,00;0,00;0,00;0,00",  # the day before
            "V2;P1;15/01/2026;100,00;VIR;DEBITEUR;100,00;0,00;0,00;0,00;0,00",  # the same day: fine
            "V3;P2;20/01/2026;50,00;VIR;DEBITEUR;50,00;0,00;0,00;0,00;0,00",
        ],
    }
    _ingerer(tmp_path, premier)
    base = tmp_path / "aripa.duckdb"
    assert requete(base, "select fichier, ligne, champ, regle, valeur from raw.quarantaine") == [
        (
            "versements_2026-01.csv",
            2,
            "Date de valeur",
            "ordre_incoherent",
            "Date de valeur 14/01/2026 avant Engagée le 15/01/2026",
        )
    ]
    # A later load: the procedures are only in the warehouse. P2's February photograph moves its
    # engagement to 10/01/2026 (a correction): the latest photograph is the one checked.
    second = {
        "procedures_2026-02.csv": [
            procedures[0],
            procedures[1],
            "P2;1000002;2000002;311;311;RA;ENG;10/01/2026;;;;200,00",
        ],
        "versements_2026-02.csv": [
            ENTETE_VERSEMENTS,
            "V4;P1;02/02/2026;100,00;VIR;DEBITEUR;100,00;0,00;0,00;0,00;0,00",
        ],
    }
    _ingerer(tmp_path, second)
    troisieme = {
        "versements_2026-03.csv": [
            ENTETE_VERSEMENTS,
            "V5;P2;09/01/2026;10,00;VIR;DEBITEUR;10,00;0,00;0,00;0,00;0,00",  # before 10/01/2026
            "V6;P1;01/03/2026;100,00;VIR;DEBITEUR;100,00;0,00;0,00;0,00;0,00",
        ],
    }
    rapport = _ingerer(tmp_path, troisieme)
    assert [
        (r.fichier, r.lignes_chargees, r.lignes_quarantaine) for r in rapport.lignes if r.statut == "chargé"
    ] == [("versements_2026-03.csv", 1, 1)]
    assert requete(
        base,
        "select ligne, champ, regle, valeur from raw.quarantaine where fichier = 'versements_2026-03.csv'",
    ) == [(2, "Date de valeur", "ordre_incoherent", "Date de valeur 09/01/2026 avant Engagée le 10/01/2026")]
    assert requete(base, "select versement_id from raw.versements order by 1") == [
        ("V2",),
        ("V3",),
        ("V4",),
        ("V6",),
    ]
