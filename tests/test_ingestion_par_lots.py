"""Ingestion's batch-wise writes and read-ahead (issue 18, the demo's ingestion time): the manifest
asked once per extract, a batch's files inserted together, the next files parsed on another
thread; each gives what the file-by-file run gave (hand-computed statuses and rows)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.contrat import contrat
from pipelines.ingestion import executer
from pipelines.ingestion.chargement import (
    Lot,
    charger_lot,
    charger_lots,
    deja_charges,
    preparer_schema,
)
from pipelines.ingestion.controle import SCHEMA_QUARANTAINE


def _entrepot() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    preparer_schema(con, contrat())
    return con


def _lot(fichier: str, sha: str, identifiants: list[str], montants: list[str], refusees: int = 0) -> Lot:
    valides = pl.DataFrame(
        {
            "_ligne": list(range(2, 2 + len(identifiants))),
            "versement_id": identifiants,
            "montant": montants,
        },
        schema={"_ligne": pl.Int32, "versement_id": pl.String, "montant": pl.Decimal(14, 2)},
    )
    quarantaine = pl.DataFrame(
        {
            "fichier": [fichier] * refusees,
            "ligne": list(range(100, 100 + refusees)),
            "champ": ["Montant"] * refusees,
            "regle": ["format_montant"] * refusees,
            "valeur": ["abc"] * refusees,
            "detail": [None] * refusees,
        },
        schema=SCHEMA_QUARANTAINE,
    )
    return Lot(
        extraction=contrat()["versements"],
        fichier=fichier,
        sha256=sha,
        periode=date(2026, int(fichier[-6:-4]), 1),
        lignes_lues=len(identifiants) + refusees,
        valides=valides,
        quarantaine=quarantaine,
        duree_s=0.25,
        lignes_vides=1 if refusees else 0,
        message="nom de fichier à vérifier" if refusees else None,
    )


def _contenu(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {
        "versements": con.execute(
            "select _fichier, _periode, versement_id, montant::double from raw.versements order by all"
        ).fetchall(),
        "quarantaine": con.execute("select * from raw.quarantaine order by all").fetchall(),
        "manifeste": con.execute(
            "select fichier, sha256, extraction, periode, lignes_lues, lignes_chargees, lignes_quarantaine, "
            "statut, empreinte_cle, duree_s, message, lignes_vides from raw.manifeste order by all"
        ).fetchall(),
    }


def test_un_lot_de_fichiers_s_ecrit_comme_fichier_par_fichier_renvoi_compris():
    a = _lot("versements_2026-01.csv", "a" * 64, ["V1", "V2"], ["10.00", "2.50"], refusees=2)
    b = _lot("versements_2026-02.csv", "b" * 64, ["V3"], ["7.00"])
    # A corrected re-send of January (another content under its name), with a new file beside it.
    a_corrige = _lot("versements_2026-01.csv", "c" * 64, ["V1"], ["11.00"])
    c = _lot("versements_2026-03.csv", "d" * 64, ["V4", "V5"], ["1.00", "0.00"], refusees=1)

    un_par_un = _entrepot()
    assert [charger_lot(un_par_un, lot, "cle") for lot in (a, b)] == [False, False]
    assert [charger_lot(un_par_un, lot, "cle") for lot in (a_corrige, c)] == [True, False]

    par_lots = _entrepot()
    assert charger_lots(par_lots, [a, b], "cle") == [False, False]
    assert charger_lots(par_lots, [a_corrige, c], "cle") == [True, False]
    assert charger_lots(par_lots, [], "cle") == []

    attendu = _contenu(un_par_un)
    assert _contenu(par_lots) == attendu
    # The re-send replaced January: its rows and quarantine are the corrected file's only.
    assert attendu["versements"] == [
        ("versements_2026-01.csv", date(2026, 1, 1), "V1", 11.0),
        ("versements_2026-02.csv", date(2026, 2, 1), "V3", 7.0),
        ("versements_2026-03.csv", date(2026, 3, 1), "V4", 1.0),
        ("versements_2026-03.csv", date(2026, 3, 1), "V5", 0.0),
    ]
    assert [(f, ligne) for f, ligne, *_ in attendu["quarantaine"]] == [("versements_2026-03.csv", 100)]
    statuts = [(m[0], m[1][0], m[7], m[4], m[5], m[6]) for m in attendu["manifeste"]]
    assert sorted(statuts) == [
        ("versements_2026-01.csv", "a", "remplacé", 4, 2, 2),
        ("versements_2026-01.csv", "c", "chargé", 1, 1, 0),
        ("versements_2026-02.csv", "b", "chargé", 1, 1, 0),
        ("versements_2026-03.csv", "d", "chargé", 3, 2, 1),
    ]


def test_le_manifeste_demande_une_fois_donne_le_statut_de_chaque_fichier():
    con = _entrepot()
    lignes = [
        ("charge.csv", "1", "chargé"),
        ("retire.csv", "2", "retiré"),
        ("refuse.csv", "3", "refusé"),
        ("remplace.csv", "4", "remplacé"),
        ("retire_puis_recharge.csv", "5", "retiré"),
        ("retire_puis_recharge.csv", "5", "chargé"),
        ("retrait.csv", "6", "retrait"),
    ]
    for fichier, sha, statut in lignes:
        con.execute(
            "insert into raw.manifeste (fichier, sha256, extraction, lignes_lues, lignes_chargees, "
            "lignes_quarantaine, statut, empreinte_cle, charge_le, duree_s) "
            "values (?, ?, 'versements', 0, 0, 0, ?, 'cle', now(), 0)",
            [fichier, sha, statut],
        )
    demandes = [(f, s) for f, s, _ in lignes] + [("charge.csv", "autre"), ("inconnu.csv", "9")]
    # Same name and content only; chargé before retiré before refusé; remplacé and retrait never.
    assert deja_charges(con, demandes) == {
        "charge.csv": "déjà chargé",
        "retire.csv": "déjà retiré",
        "refuse.csv": "déjà refusé",
        "retire_puis_recharge.csv": "déjà chargé",
    }
    assert deja_charges(con, [("charge.csv", "autre")]) == {}
    assert deja_charges(con, []) == {}


class _ExecuteurCompte(ThreadPoolExecutor):
    """Counts the files handed to the reader thread (started or queued)."""

    lances = 0

    def submit(self, *args, **kwargs):
        self.lances += 1
        return super().submit(*args, **kwargs)


def test_la_lecture_en_avance_garde_l_ordre_borne_l_avance_et_rend_l_erreur_au_bon_fichier(monkeypatch):
    lus: list[str] = []

    def preparer(chemin, ext, periode, empreinte, pseudo):
        lus.append(chemin.name)  # one reader thread: in the order it reads them
        if chemin.name == "f3.csv":
            raise ValueError("illisible")
        return chemin.name.upper(), empreinte

    monkeypatch.setattr(executer, "preparer_lot", preparer)
    a_lire = [(n, Path(f"f{n}.csv"), date(2026, 1, 1), f"sha{n}") for n in range(1, 7)]
    vus = []
    with _ExecuteurCompte(max_workers=1) as executeur:
        for rang, ((numero, chemin, _, _), futur) in enumerate(
            executer.preparer_en_avance(a_lire, contrat()["versements"], None, executeur, avance=2), start=1
        ):
            # The file taken and at most `avance` more handed to the reader, never the whole list.
            assert executeur.lances == min(rang + 2, 6)
            if chemin.name == "f3.csv":
                with pytest.raises(ValueError, match="illisible"):
                    futur.result()
                vus.append((numero, "refusé"))
            else:
                vus.append((numero, futur.result()))
    assert vus == [
        (1, ("F1.CSV", "sha1")),
        (2, ("F2.CSV", "sha2")),
        (3, "refusé"),
        (4, ("F4.CSV", "sha4")),
        (5, ("F5.CSV", "sha5")),
        (6, ("F6.CSV", "sha6")),
    ]
    assert lus == [f"f{n}.csv" for n in range(1, 7)]
