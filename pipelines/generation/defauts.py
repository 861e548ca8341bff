"""`aripa generate --defects RATE`: a copy of the CSV extracts with realistic faults, and their list.

Row faults, each on a share RATE of the data lines (one fault per line at most), with the rule
ingestion must quarantine the line under:
  doublon                the line is sent twice (the copy follows it)  -> cle_en_double
  caf_inconnue           a Caf code that is not in the network          -> code_inconnu
  montant_negatif        an amount with a minus sign                   -> montant_negatif
  montant_non_numerique  an amount that is not a number (N/A, #VALEUR!) -> format_montant
  date_impossible        31/02, month 13                               -> format_date
File faults, on top (whenever RATE > 0):
  ligne_tronquee         the last line cut mid-way (a transfer that stopped), in a share RATE x 20
                         of the files, at least one                    -> ligne_incomplete
  encodage               one file saved as UTF-16 (Excel's « texte Unicode »): the whole file is
                         refused, nothing of it loads                  -> fichier_refuse
Faults already in the clean extracts are listed too, and spared the injected ones:
  lot_renvoye            a key sent twice by the generator itself (its planted re-sent batch,
                         VERSEMENTS_RENVOYES in modele.py): each copy after the first -> cle_en_double
The manifest (`manifeste_defauts.csv`, outside the landing directory) lists each fault with its
file, line (as ingestion numbers them: the header is line 1), field and expected rule.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipelines.contrat import Extraction, contrat

ENCODAGE = "cp1252"
FAUTES_LIGNE = ("doublon", "caf_inconnue", "montant_negatif", "montant_non_numerique", "date_impossible")
REGLE = {
    "doublon": "cle_en_double",
    "caf_inconnue": "code_inconnu",
    "montant_negatif": "montant_negatif",
    "montant_non_numerique": "format_montant",
    "date_impossible": "format_date",
    "ligne_tronquee": "ligne_incomplete",
    "encodage": "fichier_refuse",
    "lot_renvoye": "cle_en_double",
}
NON_NUMERIQUES = ("N/A", "#VALEUR!", "12,5O", "1.234,56")


@dataclass(frozen=True)
class Defaut:
    fichier: str
    ligne: int | None  # None: the whole file
    champ: str | None
    defaut: str
    regle: str


def _extraction(nom: str, extractions: dict[str, Extraction]) -> Extraction | None:
    return next((e for e in extractions.values() if e.motif().match(nom)), None)


def _colonnes(extraction: Extraction, entetes: list[str]) -> dict[str, list[int]]:
    """Positions of the fields each fault can touch, in this file's header order."""
    position = {entete: i for i, entete in enumerate(entetes)}
    par_type: dict[str, list[int]] = {"caf": [], "montant": [], "date": []}
    for col in extraction.colonnes:
        if col.entete not in position:
            continue
        if col.valeurs is not None and len(col.valeurs) > 50:  # the Caf codes
            par_type["caf"].append(position[col.entete])
        elif col.type == "montant":
            par_type["montant"].append(position[col.entete])
        elif col.type in ("date", "mois"):
            par_type["date"].append(position[col.entete])
    return par_type


def _date_impossible(valeur: str, rng: np.random.Generator) -> str:
    annee = valeur[-4:] if valeur[-4:].isdigit() else "2024"
    if valeur.count("/") == 1:  # mm/yyyy
        return f"13/{annee}"
    return f"31/02/{annee}" if rng.random() < 0.5 else f"00/13/{annee}"


def _fautes_du_fichier(
    lignes: list[str],
    extraction: Extraction,
    fichier: str,
    taux: float,
    rng: np.random.Generator,
    epargner_derniere: bool,
) -> tuple[list[str], list[Defaut]]:
    entetes = lignes[0].split(";")
    positions = _colonnes(extraction, entetes)
    possibles = [
        f
        for f in FAUTES_LIGNE
        if f == "doublon"
        or (f == "caf_inconnue" and positions["caf"])
        or (f.startswith("montant") and positions["montant"])
        or (f == "date_impossible" and positions["date"])
    ]
    cle = extraction.colonne(extraction.cle[0]).entete
    touchees = rng.random(len(lignes) - 1) < taux
    if epargner_derniere:
        touchees[-1] = False
    fautes = rng.choice(possibles, size=len(lignes) - 1)
    # Keys (all the key's columns) the clean file already sends twice: their lines get no injected
    # fault, so that each copy is quarantined under cle_en_double alone. A line with a quoted field
    # is not split here (its fields could hold the separator); the generator's keys never need it.
    positions_cle = [entetes.index(extraction.colonne(nom).entete) for nom in extraction.cle]
    cles = [
        None if '"' in ligne else tuple(ligne.split(";")[j] for j in positions_cle) for ligne in lignes[1:]
    ]
    comptes: dict[tuple[str, ...] | None, int] = {}
    for valeur in cles:
        comptes[valeur] = comptes.get(valeur, 0) + 1
    vues: set[tuple[str, ...] | None] = set()
    sortie, defauts = [lignes[0]], []
    for i, ligne in enumerate(lignes[1:]):
        if cles[i] is not None and comptes[cles[i]] > 1:
            sortie.append(ligne)
            if cles[i] in vues:
                defauts.append(Defaut(fichier, len(sortie), cle, "lot_renvoye", REGLE["lot_renvoye"]))
            vues.add(cles[i])
            continue
        if not touchees[i]:
            sortie.append(ligne)
            continue
        faute = str(fautes[i])
        champs = ligne.split(";")
        if faute == "doublon":
            sortie += [ligne, ligne]
            defauts.append(Defaut(fichier, len(sortie), cle, faute, REGLE[faute]))
            continue
        if faute == "caf_inconnue":
            j = int(rng.choice(positions["caf"]))
            champs[j] = "999"
        elif faute == "montant_negatif":
            j = int(rng.choice(positions["montant"]))
            champs[j] = "-" + (champs[j] if champs[j].strip("0,") else "1,00")
        elif faute == "montant_non_numerique":
            j = int(rng.choice(positions["montant"]))
            champs[j] = NON_NUMERIQUES[int(rng.integers(len(NON_NUMERIQUES)))]
        else:
            remplies = [j for j in positions["date"] if champs[j]]
            if not remplies:
                sortie.append(ligne)
                continue
            j = int(rng.choice(remplies))
            champs[j] = _date_impossible(champs[j], rng)
        sortie.append(";".join(champs))
        defauts.append(Defaut(fichier, len(sortie), entetes[j], faute, REGLE[faute]))
    return sortie, defauts


def injecter(source: Path, cible: Path, taux: float, graine: int) -> list[Defaut]:
    """Copy the CSV extracts of `source` into `cible` with faults; return the faults injected."""
    if not 0 < taux < 1:
        raise ValueError(f"taux de défauts attendu entre 0 et 1 (exclus), reçu {taux}")
    extractions = contrat()
    fichiers = sorted(f for f in source.iterdir() if f.suffix.lower() == ".csv")
    if not fichiers:
        raise ValueError(f"--defects ne s'applique qu'aux extractions CSV : aucune dans {source}")
    rng = np.random.default_rng([graine, 3])
    tronques = set(np.flatnonzero(rng.random(len(fichiers)) < min(1.0, taux * 20)).tolist())
    if not tronques:
        tronques = {int(rng.integers(len(fichiers)))}
    # The re-encoded file: a small one (one month of events or ASF), so that little is refused.
    petits = [i for i, f in enumerate(fichiers) if f.name.startswith(("evenements_", "asf_"))] or list(
        range(len(fichiers))
    )
    encodage = int(rng.choice(petits))
    tronques.discard(encodage)

    if cible.exists():
        shutil.rmtree(cible)
    cible.mkdir(parents=True)
    defauts: list[Defaut] = []
    for i, chemin in enumerate(fichiers):
        extraction = _extraction(chemin.name, extractions)
        if extraction is None:
            shutil.copy2(chemin, cible / chemin.name)
            continue
        texte = chemin.read_bytes().decode(ENCODAGE)
        lignes = texte.split("\r\n")
        fin_de_ligne = lignes[-1] == ""
        if fin_de_ligne:
            lignes = lignes[:-1]
        if i == encodage:
            (cible / chemin.name).write_bytes(texte.encode("utf-16"))
            defauts.append(Defaut(chemin.name, None, None, "encodage", REGLE["encodage"]))
            continue
        fichier_rng = np.random.default_rng([graine, 4, i])
        sortie, du_fichier = _fautes_du_fichier(
            lignes, extraction, chemin.name, taux, fichier_rng, epargner_derniere=i in tronques
        )
        if i in tronques and len(sortie) > 1:  # a cut last line is only ligne_incomplete
            du_fichier = [d for d in du_fichier if d.ligne != len(sortie)]
        defauts += du_fichier
        contenu = "\r\n".join(sortie)
        if i in tronques and len(sortie) > 1:
            derniere = sortie[-1]
            coupe = derniere[: max(1, len(derniere) // 2)]
            coupe = coupe[: coupe.rfind(";")] if ";" in coupe else coupe  # cut between two fields
            contenu = "\r\n".join([*sortie[:-1], coupe])
            champs_gardes = len(coupe.split(";"))
            entetes = sortie[0].split(";")
            defauts.append(
                Defaut(
                    chemin.name,
                    len(sortie),
                    entetes[champs_gardes],
                    "ligne_tronquee",
                    REGLE["ligne_tronquee"],
                )
            )
        elif fin_de_ligne:
            contenu += "\r\n"
        (cible / chemin.name).write_bytes(contenu.encode(ENCODAGE))
    return defauts


def ecrire_manifeste(defauts: list[Defaut], chemin: Path) -> Path:
    chemin.parent.mkdir(parents=True, exist_ok=True)
    with chemin.open("w", encoding="utf-8", newline="") as handle:
        ecrivain = csv.writer(handle, delimiter=";")
        ecrivain.writerow(["fichier", "ligne", "champ", "defaut", "regle_attendue"])
        for d in defauts:
            ecrivain.writerow(
                [d.fichier, "" if d.ligne is None else d.ligne, d.champ or "", d.defaut, d.regle]
            )
    return chemin
