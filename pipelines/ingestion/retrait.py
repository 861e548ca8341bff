"""Withdraw a loaded file (`aripa withdraw FICHIER`): a file sent by mistake, or under a wrong name.

Its rows and its quarantine leave the warehouse, in one transaction; the manifest keeps its row,
now `retiré`, and records the withdrawal itself (`retrait`: when, what was removed, why). The same
file (same name, same content) left in the landing zone is not loaded again (`déjà retiré`);
another content under that name loads as a new file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.contrat import contrat
from pipelines.ingestion.chargement import preparer_schema, scalaire, transaction


class RetraitImpossible(Exception):
    pass


@dataclass(frozen=True)
class Retrait:
    fichier: str
    extraction: str
    lignes_retirees: int
    lignes_quarantaine_retirees: int


def retirer(entrepot: Path, fichier: str, motif: str) -> Retrait:
    if not entrepot.exists():
        raise RetraitImpossible(f"entrepôt absent ({entrepot}) : rien à retirer")
    extractions = contrat()
    with duckdb.connect(str(entrepot)) as con:
        preparer_schema(con, extractions)
        charge = con.execute(
            "select extraction, sha256, periode, empreinte_cle from raw.manifeste "
            "where fichier = ? and statut = 'chargé'",
            [fichier],
        ).fetchall()
        if not charge:
            raise RetraitImpossible(
                f"aucun fichier chargé sous le nom {fichier!r} (voir raw.manifeste, statut « chargé »)"
            )
        extraction, sha256, periode, empreinte_cle = charge[0]
        if extraction not in extractions:
            raise RetraitImpossible(f"extraction {extraction!r} inconnue du contrat")
        with transaction(con):
            lignes = scalaire(con, f"select count(*) from raw.{extraction} where _fichier = ?", [fichier])
            quarantaine = scalaire(
                con, "select count(distinct ligne) from raw.quarantaine where fichier = ?", [fichier]
            )
            con.execute(f"delete from raw.{extraction} where _fichier = ?", [fichier])
            con.execute("delete from raw.quarantaine where fichier = ?", [fichier])
            con.execute(
                "update raw.manifeste set statut = 'retiré' where fichier = ? and statut = 'chargé'",
                [fichier],
            )
            message = (
                f"retiré par l'opérateur : {lignes} ligne(s) chargée(s) et {quarantaine} ligne(s) en "
                f"quarantaine supprimées ; motif : {motif}"
            )
            con.execute(
                "insert into raw.manifeste (fichier, sha256, extraction, periode, lignes_lues, "
                "lignes_chargees, lignes_quarantaine, statut, empreinte_cle, charge_le, duree_s, message) "
                "values (?, ?, ?, ?, 0, 0, 0, 'retrait', ?, ?, 0, ?)",
                [
                    fichier,
                    sha256,
                    extraction,
                    periode,
                    empreinte_cle,
                    datetime.now().replace(microsecond=0),
                    message[:300],
                ],
            )
    return Retrait(fichier, extraction, lignes, quarantaine)
