"""HTML from the Jinja2 template, then PDF from the HTML by WeasyPrint.

Why WeasyPrint (README, "The committee report"): the report is HTML first (the same file is
published as HTML), and WeasyPrint lays HTML and CSS out as paged media: A4, running header,
« Page n sur N » and a table of contents with page numbers (CSS `target-counter`), inline SVG kept
vector, local fonts through fontconfig, nothing fetched (no URL is followed: see `_refuser_url`).
"""

from __future__ import annotations

import os
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from pipelines.rapport import donnees
from pipelines.rapport.contenu import Contenu
from pipelines.rapport.typographie import typographier

GABARITS = Path(__file__).parent / "gabarits"


def _typo(texte: object) -> Markup:
    """French typography on plain text, then escaped: a Caf's name is text, never markup."""
    return Markup(escape(typographier(str(texte))))


def html(contenu: Contenu, annuel: bool) -> str:
    env = Environment(
        loader=FileSystemLoader(GABARITS),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
    )
    env.filters["typo"] = _typo
    gabarit = env.get_template("rapport.html.j2")
    css = (GABARITS / "rapport.css").read_text(encoding="utf-8")
    return gabarit.render(c=contenu, annuel=annuel, css=Markup(css), masque=donnees.MASQUE)


def _refuser_url(url: str, *args: object, **kwargs: object) -> dict:
    """The report embeds everything (CSS, SVG): any URL it would fetch is an error, never a fetch."""
    raise ValueError(f"le rapport ne charge aucune ressource extérieure (demandé : {url[:80]})")


def pdf(document_html: str) -> tuple[bytes, int]:
    """The PDF and its number of pages."""
    from weasyprint import HTML  # ~1 s to import: only when a PDF is written

    mise_en_page = HTML(string=document_html, url_fetcher=_refuser_url).render()
    return mise_en_page.write_pdf(), len(mise_en_page.pages)


def ecrire(chemin: Path, contenu: bytes) -> None:
    """Write under a temporary name, then rename: a reader never sees half a report."""
    chemin.parent.mkdir(parents=True, exist_ok=True)
    provisoire = chemin.with_name(chemin.name + ".provisoire")
    provisoire.write_bytes(contenu)
    os.replace(provisoire, chemin)
