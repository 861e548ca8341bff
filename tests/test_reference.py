"""Reference seeds derived from an authoritative source: the barème ASF from openfisca-france."""

from __future__ import annotations

import csv
import zipfile
from datetime import date

from pipelines.config import DOSSIER_SEEDS
from pipelines.reference import bareme_asf


def _seed() -> list[dict]:
    with (DOSSIER_SEEDS / "bareme_asf.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _en_vigueur(lignes: list[dict], jour: date) -> dict | None:
    avant = [ligne for ligne in lignes if date.fromisoformat(ligne["date_debut"]) <= jour]
    return avant[-1] if avant else None


def test_le_bareme_couvre_le_1er_janvier_de_chaque_annee_des_extractions():
    """Issue 12: write-off requests of 2012 to early 2014 were classed against the 2014-04 BMAF.
    Values of openfisca-france 176.1.8, prestations_familiales/bmaf/bmaf.yaml (2011-01-01: 395.04,
    2012-04-01: 399, 2013-04-01: 403.79, 2014-04-01: 406.21) and montant_asf (22.5 % / 30 % of the
    BMAF before 2014-04)."""
    lignes = _seed()
    attendu = {2012: "395.04", 2013: "399.00", 2014: "403.79", 2015: "406.21", 2026: "474.37"}
    for annee, bmaf in attendu.items():
        ligne = _en_vigueur(lignes, date(annee, 1, 1))
        assert ligne is not None and ligne["bmaf"] == bmaf, annee
    assert (_en_vigueur(lignes, date(2013, 6, 1)) or {}).get("taux_asf_un_parent") == "0.2250"
    assert (_en_vigueur(lignes, date(2014, 4, 1)) or {}).get("taux_asf_un_parent") == "0.2363"
    assert all("openfisca-france 176.1.8" in ligne["source"] for ligne in lignes)


def test_la_derivation_part_de_la_valeur_en_vigueur_au_debut(tmp_path):
    """The script on a hand-made wheel: the first row is the change in force on 1 January 2012 (not
    the first one after it), then one row per change of any parameter; nulls are skipped."""
    wheel = tmp_path / "openfisca_france-1.2.3-py3-none-any.whl"
    fichiers = {
        "bmaf": "values:\n  2009-01-01:\n    value: 389.2\n  2011-01-01:\n    value: 395.04\n"
        "  2012-04-01:\n    value: 399\n",
        "taux_asf_un_parent": "values:\n  1978-01-01:\n    value: 0.225\n  2014-04-01:\n    value: 0.2363\n",
        "taux_asf_deux_parents": "values:\n  1970-12-26:\n    value: 0.3\n  2014-04-01:\n    value: null\n",
        "taux_crds": "values:\n  1996-02-01:\n    value: 0.005\n",
    }
    with zipfile.ZipFile(wheel, "w") as archive:
        for nom, contenu in fichiers.items():
            archive.writestr(bareme_asf.RACINE + bareme_asf.PARAMETRES[nom], contenu)
    lignes = bareme_asf.construire(wheel)
    assert [
        (r["date_debut"], r["bmaf"], r["taux_asf_un_parent"], r["taux_asf_deux_parents"]) for r in lignes
    ] == [
        ("2011-01-01", "395.04", "0.2250", "0.3000"),
        ("2012-04-01", "399.00", "0.2250", "0.3000"),
        ("2014-04-01", "399.00", "0.2363", "0.3000"),
    ]
    assert lignes[0]["taux_crds"] == "0.005" and "openfisca-france 1.2.3" in lignes[0]["source"]
