"""Seeded fuzzing of ingestion: a few hundred mutants of real extracts (the first rows of each file
of a generated month), all in one landing directory with the clean files, through `aripa ingest`.
Asserts: no crash (no traceback, no file refused by an unexpected error), every row accounted
for (read = loaded + quarantined, in the manifest, the tables and the quarantine alike; where a
file holds no quote, each physical line is a record or a blank line), every message short and
free of the personal values the files carry."""

from __future__ import annotations

import random
import shutil

import pytest

from pipelines.contrat import contrat
from tests.conftest import aripa, requete

GRAINE = 13
MUTANTS = 300
LIGNES_PAR_BASE = 30


def _muter(octets: bytes, rng: random.Random) -> bytes:
    """One to three random faults a supplier's file could carry."""
    donnees = bytearray(octets)
    for _ in range(rng.randint(1, 3)):
        position = rng.randrange(len(donnees) + 1)
        choix = rng.randrange(16)
        if choix == 0:
            donnees[position:position] = b'"'
        elif choix == 1:
            donnees[position:position] = rng.choice([b"\n", b"\r", b"\r\n", b"\n\n", b"  \n"])
        elif choix == 2:
            del donnees[position : position + rng.randint(1, 40)]
        elif choix == 3 and position < len(donnees):
            donnees[position] = rng.randrange(256)
        elif choix == 4:
            donnees[position:position] = b";"
        elif choix == 5:
            donnees[0:0] = b"\xef\xbb\xbf"
        elif choix == 6:
            donnees[position:position] = "１２３".encode()
        elif choix == 7:
            donnees[position:position] = rng.choice([b"/0000", b"/-005", b"01/09/18", b"31/02/2026"])
        elif choix == 8:
            donnees[position:position] = rng.choice([b"[/b]", b"[bold]", b"[link=x]"])
        elif choix == 9:
            del donnees[position:]
        elif choix == 10:
            donnees[position:position] = b"9" * rng.choice([13, 20, 400])
        elif choix == 11:
            donnees[position:position] = b';"a\nb;c""d"'
        elif choix == 12:  # a line repeated
            lignes = bytes(donnees).split(b"\n")
            rang = rng.randrange(len(lignes))
            lignes.insert(rang, lignes[rang])
            donnees = bytearray(b"\n".join(lignes))
        elif choix == 13:
            donnees[position:position] = b"\x00"
        elif choix == 14:
            donnees[position:position] = "é€".encode(rng.choice(["utf-8", "cp1252"]))
        else:
            donnees[position:position] = b",\t"
    return bytes(donnees)


def _nom(extraction: str, numero: int, rng: random.Random) -> str:
    periode = f"{1950 + numero // 12}-{numero % 12 + 1:02d}"
    nom = contrat()[extraction].nom_fichier(periode)
    if rng.random() < 0.03:
        nom = rng.choice(
            [nom.replace(periode, f"{periode[:4]}-13"), nom + "\n", nom.replace(".csv", "\t.csv")]
        )
    return nom


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory) -> dict:
    donnees = tmp_path_factory.mktemp("fuzz")
    resultat = aripa(
        "generate", "--from", "2026-10", "--to", "2026-10", "--out", str(donnees / "reel"), donnees=donnees
    )
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    depot = donnees / "landing"
    depot.mkdir()
    bases = {}
    for chemin in sorted((donnees / "reel").iterdir()):
        extraction = next(e.nom for e in contrat().values() if e.motif().match(chemin.name))
        octets = chemin.read_bytes()
        bases[extraction] = b"\n".join(octets.split(b"\n")[: LIGNES_PAR_BASE + 1]) + b"\n"
        if extraction in ("procedures", "creances"):  # referenced: loaded clean, whole
            shutil.copy(chemin, depot / chemin.name)
    rng = random.Random(GRAINE)
    mutants = {}
    noms = sorted(bases)
    for numero in range(MUTANTS):
        extraction = noms[numero % len(noms)]
        nom = _nom(extraction, numero, rng)
        mutants[nom] = _muter(bases[extraction], rng)
        (depot / nom).write_bytes(mutants[nom])
    resultat = aripa("ingest", donnees=donnees)
    return {"donnees": donnees, "resultat": resultat, "mutants": mutants, "bases": bases}


def test_aucun_plantage(fuzz):
    sortie = fuzz["resultat"].stdout + fuzz["resultat"].stderr
    assert fuzz["resultat"].returncode == 0, sortie
    assert "Traceback" not in sortie
    base = fuzz["donnees"] / "warehouse" / "aripa.duckdb"
    messages = [m for (m,) in requete(base, "select message from raw.manifeste where message is not null")]
    assert not [m for m in messages if "erreur inattendue" in m]
    statuts = dict(requete(base, "select statut, count(*) from raw.manifeste group by 1"))
    assert statuts["chargé"] > MUTANTS // 2 and statuts.get("refusé", 0) > 5  # the fuzz does bite


def test_aucune_ligne_perdue(fuzz):
    base = fuzz["donnees"] / "warehouse" / "aripa.duckdb"
    par_fichier = requete(
        base,
        "select fichier, extraction, lignes_lues, lignes_chargees, lignes_quarantaine, lignes_vides "
        "from raw.manifeste where statut = 'chargé'",
    )
    quarantaine = dict(requete(base, "select fichier, count(distinct ligne) from raw.quarantaine group by 1"))
    en_tables = {}
    for extraction in contrat():
        en_tables |= dict(requete(base, f"select _fichier, count(*) from raw.{extraction} group by 1"))
    verifies_ligne_a_ligne = 0
    for fichier, _, lues, chargees, en_quarantaine, vides in par_fichier:
        assert lues == chargees + en_quarantaine, fichier
        assert en_tables.get(fichier, 0) == chargees, fichier
        assert quarantaine.get(fichier, 0) == en_quarantaine, fichier
        octets = fuzz["mutants"].get(fichier)
        if octets is None:
            continue
        lignes = octets.split(b"\n")
        if lignes[-1] == b"":
            lignes.pop()
        assert lues + vides + 1 <= len(lignes) or b"\n" not in octets, fichier
        if (
            b'"' not in octets
            and all(b"\r" not in ligne[:-1] for ligne in lignes)
            and octets.count(b"\n") > 1
        ):
            assert lues + vides + 1 == len(lignes), fichier
            verifies_ligne_a_ligne += 1
    assert verifies_ligne_a_ligne > 50


def test_messages_courts_et_sans_donnee_personnelle(fuzz):
    base = fuzz["donnees"] / "warehouse" / "aripa.duckdb"
    messages = [m for (m,) in requete(base, "select message from raw.manifeste where message is not null")]
    messages += [d for (d,) in requete(base, "select detail from raw.quarantaine where detail is not null")]
    assert messages and max(len(m) for m in messages) <= 300
    personnels = set()
    for ligne in fuzz["bases"]["procedures"].decode("cp1252").split("\n")[1:]:
        champs = ligne.split(";")
        if len(champs) > 24:
            personnels |= {champs[1], champs[3], champs[21], champs[23]}  # file numbers, names
    assert len(personnels) > 50
    sortie = fuzz["resultat"].stdout
    for valeur in personnels:
        assert valeur not in sortie, valeur
        assert not any(valeur in m for m in messages), valeur
