"""`aripa report`: from a scope and a month (or a year) to the report's PDF and HTML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipelines.config import Chemins
from pipelines.portees import Portee
from pipelines.rapport import donnees, rendu
from pipelines.rapport.contenu import assembler


@dataclass
class Rapport:
    pdf: Path
    html: Path
    pages: int


def nom_fichier(portee: Portee, periode: donnees.Periode) -> str:
    """rapport_national_2026-10, rapport_caf_331_2026 (the annual interim report)."""
    return f"rapport_{str(portee).replace(':', '_')}_{periode}"


def dossier_rapports(chemins: Chemins) -> Path:
    return chemins.sorties / "rapports"


def produire(
    chemins: Chemins, portee: Portee, periode: donnees.Periode, maintenant: datetime | None = None
) -> Rapport:
    """Read the scope's published file, write the HTML, then the PDF; a period without data is
    refused before anything is written (donnees.RapportImpossible)."""
    con, info = donnees.preparer(chemins, portee, periode)
    try:
        contenu = assembler(con, info, maintenant or datetime.now(UTC))
    finally:
        con.close()
    document = rendu.html(contenu, annuel=periode.est_annuelle)
    fichier_pdf, pages = rendu.pdf(document)
    base = dossier_rapports(chemins) / nom_fichier(portee, periode)
    chemin_html, chemin_pdf = base.with_suffix(".html"), base.with_suffix(".pdf")
    rendu.ecrire(chemin_html, document.encode("utf-8"))
    rendu.ecrire(chemin_pdf, fichier_pdf)
    return Rapport(chemin_pdf, chemin_html, pages)
