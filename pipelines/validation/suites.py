"""The Great Expectations suite of each extract, derived from the extract contract.

The suites are files in `expectations/` (one per extract), reviewed like code: they are written by
`python -m pipelines.validation.suites` from the contract, and a test fails when a checked-in suite
no longer matches it. Each expectation carries in its `meta` the quarantine rule its failing rows
go under and the header of the field to name.

What a suite checks (the parsing of dates, amounts and integers is done before, in
`pipelines/ingestion/controle.py`, so that a value that is not a date is quarantined as text):
  obligatoire        required value present                   expect_column_values_to_not_be_null
  code_inconnu       allowed codes (Caf codes from the seed)  expect_column_values_to_be_in_set
  montant_negatif    amount >= 0                              expect_column_values_to_be_between
  hors_bornes        amount <= 1 000 000 EUR, integer ranges  expect_column_values_to_be_between
  ordre_incoherent   a <= b (engagement before closure...)    expect_column_pair_values_a_to_be_greater_than_b
                     and across extracts (a payment not dated  on the referenced row's date, added by
                     before its procedure's engagement)        ingestion
  reference_inconnue the procedure / créance named exists     expect_column_values_to_be_in_set on a
                     in the same load or in the warehouse      flag computed by ingestion
Key uniqueness (`cle_en_double`) is not a suite's: a suite sees one load, and a key must be unique
across the whole warehouse; `pipelines/ingestion/unicite.py` checks it before the suite runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pipelines.config import RACINE_PROJET
from pipelines.contrat import MONTANT_MAX, Extraction, contrat

DOSSIER_SUITES = RACINE_PROJET / "expectations"
PARAMETRE_CAFS = "codes_caf"


def _attente(type_: str, regle: str, champ: str, colonne: str | None = None, **kwargs: object) -> dict:
    """One expectation; its meta names the quarantine rule, the field's header, and the column
    whose value the quarantine shows (by default the one the expectation reads)."""
    colonne = colonne or kwargs.get("column") or kwargs.get("column_A") or kwargs["column_list"][0]
    return {"type": type_, "kwargs": kwargs, "meta": {"regle": regle, "champ": champ, "colonne": colonne}}


def colonne_reference(colonne: str) -> str:
    """The flag ingestion adds: true when `colonne` names a row of the referenced extract."""
    return f"_{colonne}_connu"


def colonne_date_reference(colonne: str, colonne_cible: str) -> str:
    """The column ingestion adds: `colonne_cible` of the row that `colonne` names (its latest photograph)."""
    return f"_{colonne}_{colonne_cible}"


def suite(extraction: Extraction) -> dict:
    attentes = []
    for col in extraction.colonnes:
        if col.obligatoire:
            attentes.append(
                _attente("expect_column_values_to_not_be_null", "obligatoire", col.entete, column=col.nom)
            )
        if col.valeurs is not None:
            valeurs = {"$PARAMETER": PARAMETRE_CAFS} if len(col.valeurs) > 50 else list(col.valeurs)
            attentes.append(
                _attente(
                    "expect_column_values_to_be_in_set",
                    "code_inconnu",
                    col.entete,
                    column=col.nom,
                    value_set=valeurs,
                )
            )
        if col.type == "montant":
            attentes.append(
                _attente(
                    "expect_column_values_to_be_between",
                    "montant_negatif",
                    col.entete,
                    column=col.nom,
                    min_value=0,
                )
            )
        if col.type == "montant" or col.bornes:
            minimum, maximum = col.bornes or (None, MONTANT_MAX)
            # An amount's lower bound is montant_negatif's: only integers, and a decimal whose
            # minimum is above 0 (a number of parts), get a minimum here.
            avec_minimum = minimum is not None and (col.type != "montant" or minimum > 0)
            bornes = {"max_value": maximum} | ({"min_value": minimum} if avec_minimum else {})
            attentes.append(
                _attente(
                    "expect_column_values_to_be_between", "hors_bornes", col.entete, column=col.nom, **bornes
                )
            )
    for avant, apres in extraction.ordre:
        attentes.append(
            _attente(
                "expect_column_pair_values_a_to_be_greater_than_b",
                "ordre_incoherent",
                extraction.colonne(apres).entete,
                column_A=apres,
                column_B=avant,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        )
    for colonne, colonne_cible, apres in extraction.ordre_references:
        ajoutee = colonne_date_reference(colonne, colonne_cible)
        attentes.append(
            _attente(
                "expect_column_pair_values_a_to_be_greater_than_b",
                "ordre_incoherent",
                extraction.colonne(apres).entete,
                colonne=ajoutee,  # the quarantine shows both dates (ingestion formats them)
                column_A=apres,
                column_B=ajoutee,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        )
    for colonne, _ in extraction.references:
        attentes.append(
            _attente(
                "expect_column_values_to_be_in_set",
                "reference_inconnue",
                extraction.colonne(colonne).entete,
                colonne=colonne,  # the quarantine shows the reference itself, not the flag
                column=colonne_reference(colonne),
                value_set=[True],
            )
        )
    return {
        "name": extraction.nom,
        "expectations": attentes,
        "meta": {
            "source": "généré depuis le contrat des extractions "
            "(dbt/models/staging/extractions/_extractions__sources.yml) par "
            "`python -m pipelines.validation.suites`"
        },
    }


def chemin_suite(nom: str) -> Path:
    return DOSSIER_SUITES / f"{nom}.json"


def texte_suite(extraction: Extraction) -> str:
    return json.dumps(suite(extraction), ensure_ascii=False, indent=2) + "\n"


def lire_suite(nom: str) -> dict:
    return json.loads(chemin_suite(nom).read_text(encoding="utf-8"))


def ecrire_suites() -> list[Path]:
    DOSSIER_SUITES.mkdir(exist_ok=True)
    ecrites = []
    for extraction in contrat().values():
        chemin = chemin_suite(extraction.nom)
        chemin.write_text(texte_suite(extraction), encoding="utf-8")
        ecrites.append(chemin)
    return ecrites


if __name__ == "__main__":
    for chemin in ecrire_suites():
        print(chemin.relative_to(RACINE_PROJET), file=sys.stdout)
