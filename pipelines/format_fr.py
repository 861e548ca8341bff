"""French number, amount, percentage and month formats for everything a user reads.

Thousands are separated by a narrow no-break space (U+202F) and units by a no-break space
(U+00A0), as French typography (and the fr-FR locale of browsers) does: 65,3 % ; 1 234 567 EUR.
"""

from __future__ import annotations

import math
from datetime import date

ESPACE_MILLIERS = "\u202f"
ESPACE_UNITE = "\u00a0"
MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
MOIS_COURTS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
VIDE = "–"


def _absent(valeur: float | int | None) -> bool:
    return valeur is None or (isinstance(valeur, float) and math.isnan(valeur))


def nombre(valeur: float | int | None, decimales: int = 0) -> str:
    """1234567.891 -> '1 234 567' ; nombre(1234.5, 2) -> '1 234,50'."""
    if _absent(valeur):
        return VIDE
    texte = f"{valeur:,.{decimales}f}"  # 1,234,567.89
    return texte.replace(",", ESPACE_MILLIERS).replace(".", ",")


def pourcentage(taux: float | None, decimales: int = 1) -> str:
    """0.653 -> '65,3 %' (a rate stored as a fraction)."""
    if _absent(taux):
        return VIDE
    return f"{nombre(taux * 100, decimales)}{ESPACE_UNITE}%"


def euros(montant: float | int | None, decimales: int = 0) -> str:
    """1234567 -> '1 234 567 EUR'."""
    if _absent(montant):
        return VIDE
    return f"{nombre(montant, decimales)}{ESPACE_UNITE}EUR"


def points(ecart: float | None, decimales: int = 1) -> str:
    """A difference of two rates, in percentage points, signed: 0.012 -> '+1,2 pt'.

    The minus is ASCII: Streamlit's st.metric reads the sign of a text delta from it (a typographic
    minus would show a fall as a green rising arrow).
    """
    if _absent(ecart):
        return VIDE
    signe = "+" if ecart > 0 else ("-" if ecart < 0 else "")
    return f"{signe}{nombre(abs(ecart) * 100, decimales)}{ESPACE_UNITE}pt"


def mois(jour: date) -> str:
    """date(2026, 10, 1) -> 'octobre 2026'."""
    return f"{MOIS[jour.month - 1]} {jour.year}"


def mois_court(jour: date) -> str:
    """date(2026, 10, 1) -> 'oct. 2026'."""
    return f"{MOIS_COURTS[jour.month - 1]} {jour.year}"


def duree(secondes: float) -> str:
    """12.345 -> '12,3 s' ; 75 -> '1 min 15 s'."""
    if secondes < 60:
        return f"{nombre(secondes, 1)}{ESPACE_UNITE}s"
    minutes, reste = divmod(round(secondes), 60)
    return f"{minutes}{ESPACE_UNITE}min {reste}{ESPACE_UNITE}s"


def effet(valeur: float | None, unite: str) -> str:
    """An estimated effect in its unit: a rate's in signed points, anything else with two decimals."""
    if unite == "points de taux":
        return points(valeur)
    if unite == "unités du résultat":  # a panel of unknown scale (aripa evaluate --panel)
        return nombre(valeur, decimales=4)
    return nombre(valeur, decimales=2)


def intervalle(bas: float | None, haut: float | None, unite: str) -> str:
    """A confidence interval in its unit; an unbounded end (randomisation with too few possible
    assignments) reads as an infinity, not as a number."""
    if _absent(bas) or _absent(haut):
        return VIDE

    def borne(x: float) -> str:
        return ("-∞" if x < 0 else "+∞") if math.isinf(x) else effet(x, unite)

    return f"{borne(bas)} ; {borne(haut)}"
