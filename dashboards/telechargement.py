"""Downloads of what a page shows: CSV the French way (`;`, decimal comma, numeric values) and xlsx
with the definitions of the marts it comes from.

Masked cells stay in the file: their values are empty and the column « Secret statistique » says
« secret » (a number column holding the word would no longer be numeric in a spreadsheet).
"""

from __future__ import annotations

import io

import pandas as pd

COLONNE_SECRET = "Secret statistique"


def csv_fr(tableau: pd.DataFrame) -> bytes:
    """`;`-separated, decimal comma, numbers as numbers; UTF-8 with BOM so Excel reads the accents."""
    texte = tableau.to_csv(sep=";", decimal=",", index=False, date_format="%Y-%m-%d")
    return ("\ufeff" + texte).encode("utf-8")


def xlsx(tableau: pd.DataFrame, definitions: pd.DataFrame, titre: str) -> bytes:
    """Two sheets: « Données » (numbers as numbers) and « Définitions » (mart, column, meaning)."""
    tampon = io.BytesIO()
    with pd.ExcelWriter(tampon, engine="xlsxwriter") as classeur:
        tableau.to_excel(classeur, sheet_name="Données", index=False)
        feuille = classeur.sheets["Données"]
        for i, colonne in enumerate(tableau.columns):
            largeur = max(len(str(colonne)), *(len(str(v)) for v in tableau[colonne].head(200)), 8)
            feuille.set_column(i, i, min(largeur + 2, 60))
        entete = pd.DataFrame(
            {"mart": [titre], "colonne": [""], "définition": ["Extrait du tableau de bord"]}
        )
        pd.concat([entete, definitions], ignore_index=True).to_excel(
            classeur, sheet_name="Définitions", index=False
        )
        classeur.sheets["Définitions"].set_column(0, 1, 36)
        classeur.sheets["Définitions"].set_column(2, 2, 120)
    return tampon.getvalue()
