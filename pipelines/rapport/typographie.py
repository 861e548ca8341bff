"""French typography for the report's text: no-break spaces where French puts them, and the dbt
documentation's Markdown turned into HTML.

Rules (Imprimerie nationale, as the fr-FR locale renders them): a no-break space (U+00A0) before
« : » and inside « guillemets », a narrow no-break space (U+202F) before ; ! ? and between a number
and %; figures are formatted by pipelines/format_fr.py (decimal comma, narrow space for thousands).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from pipelines.format_fr import ESPACE_MILLIERS, ESPACE_UNITE

_ESPACE = r"[ \u00a0\u202f]"
_AVANT_DEUX_POINTS = re.compile(rf"{_ESPACE}*:(?=\s|$)")
_AVANT_PONCTUATION = re.compile(rf"(?<=\S){_ESPACE}*([;!?])(?=\s|$)")
_APRES_GUILLEMET = re.compile(rf"«{_ESPACE}*")
_AVANT_GUILLEMET = re.compile(rf"{_ESPACE}*»")
_POURCENT = re.compile(rf"(?<=\d){_ESPACE}*%")
_MARKDOWN = MarkdownIt("commonmark", {"html": False})  # raw HTML in a comment stays text


def typographier(texte: str) -> str:
    """'Taux : 65 % ; « ici »' -> the same with the no-break spaces French typography requires.

    Applied to plain text (or to HTML text nodes), never to code or URLs: a colon inside a word
    (an URL, 12:30) is left alone because the rule needs a space or the end after it.
    """
    texte = _AVANT_DEUX_POINTS.sub(f"{ESPACE_UNITE}:", texte)
    texte = _AVANT_PONCTUATION.sub(lambda m: f"{ESPACE_MILLIERS}{m.group(1)}", texte)
    texte = _APRES_GUILLEMET.sub(f"«{ESPACE_UNITE}", texte)
    texte = _AVANT_GUILLEMET.sub(f"{ESPACE_UNITE}»", texte)
    return _POURCENT.sub(f"{ESPACE_UNITE}%", texte)


_BALISE_OU_TEXTE = re.compile(r"(<code>.*?</code>|<[^>]+>|&#?\w+;)", re.S)


def typographier_html(fragment: str) -> str:
    """French typography on the text nodes of an HTML fragment (tags and <code> left as they are)."""
    morceaux = _BALISE_OU_TEXTE.split(fragment)
    return "".join(m if _BALISE_OU_TEXTE.fullmatch(m) else typographier(m) for m in morceaux)


def markdown_html(texte: str | None) -> str:
    """The dbt documentation (Markdown, persisted as comments) as HTML, with French typography.
    HTML written inside a comment is escaped: a comment is text, never markup for the report."""
    if not texte:
        return ""
    return typographier_html(_MARKDOWN.render(texte))
