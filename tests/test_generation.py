"""The demo generator: deterministic per seed, and formatted as the network's exports are."""

import json
import re
from datetime import date
from pathlib import Path

from pipelines.generation.demo import generer

PERIODE = {"debut": date(2026, 1, 1), "fin": date(2026, 3, 1)}


def _octets(dossier: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(dossier.iterdir())}


def test_meme_graine_memes_octets_autre_graine_autres_fichiers(tmp_path):
    generer(tmp_path / "a", graine=7, **PERIODE)
    generer(tmp_path / "b", graine=7, **PERIODE)
    generer(tmp_path / "c", graine=8, **PERIODE)
    a, b, c = _octets(tmp_path / "a"), _octets(tmp_path / "b"), _octets(tmp_path / "c")
    mois = ("2026-01", "2026-02", "2026-03")
    assert sorted(a) == sorted(
        [f"{extraction}_{m}.csv" for extraction in ("asf", "plan", "versements") for m in mois]
        + ["procedures_2026-03.csv"]
    )
    assert a == b
    assert all(a[nom] != c[nom] for nom in a)


def test_format_reseau_point_virgule_cp1252_virgule_decimale_dates_francaises(tmp_path):
    generer(tmp_path, graine=1, **PERIODE)
    brut = (tmp_path / "versements_2026-02.csv").read_bytes()
    assert b"\r\n" in brut
    texte = brut.decode("cp1252")
    entete, premiere = texte.split("\r\n")[:2]
    assert entete.startswith("N° versement;N° procédure;Date de valeur;Montant;")
    champs = premiere.split(";")
    assert re.fullmatch(r"\d{2}/02/2026", champs[2])
    assert re.fullmatch(r"\d+,\d{2}", champs[3])
    with_utf8 = "N° procédure".encode("cp1252")
    assert with_utf8 in brut  # é and ° written as single cp1252 bytes


def test_periode_vide_refusee(tmp_path):
    import pytest

    with pytest.raises(ValueError, match="période vide"):
        generer(tmp_path, debut=date(2026, 5, 1), fin=date(2026, 1, 1))


def test_les_donnees_personnelles_sont_dans_l_extraction_et_la_verite_a_part(tmp_path):
    generer(tmp_path / "landing", graine=3, **PERIODE)
    entete = (tmp_path / "landing" / "procedures_2026-03.csv").read_bytes().decode("cp1252").split("\r\n")[0]
    for colonne in ("Matricule débiteur", "Date de naissance débiteur", "Nom débiteur", "Prénom créancier"):
        assert colonne in entete.split(";")
    verite = json.loads((tmp_path / "verite" / "verite_gipa.json").read_text(encoding="utf-8"))
    effets = verite["taux_recouvrement_tc"]["par_departement"]
    assert len(effets) == 20 and {"01", "59", "75", "974"} <= set(effets)
    assert all(0.02 <= e["hausse_propension"] <= 0.20 for e in effets.values())
    assert not any(p.name.startswith("verite") for p in (tmp_path / "landing").iterdir())
