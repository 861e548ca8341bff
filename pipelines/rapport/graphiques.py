"""The report's charts, drawn offline by matplotlib as SVG and inlined in the HTML.

Why matplotlib: it is already in the environment (the evaluation's figures), draws without a
browser or a network, and its SVG keeps text as text (`svg.fonttype: none`), so WeasyPrint sets
it in the report's local font (DejaVu Sans) and `pdftotext` reads the labels back. Numbers on the
axes use French formats (decimal comma, « % » after a no-break space).
"""

from __future__ import annotations

import io
import re
from datetime import date

import matplotlib

matplotlib.use("Agg")  # no display: the charts are files
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import FuncFormatter

from pipelines import format_fr

COULEURS = {"principal": "#1f4e79", "second": "#c55a11", "gris": "#7f7f7f", "clair": "#bdd7ee"}
PARAMETRES = {
    "svg.fonttype": "none",  # text stays text: set by WeasyPrint in a local font, searchable
    "svg.hashsalt": "aripa",  # stable ids: the same figures give the same file
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 9,
}
LARGEUR_CM = 17.0  # A4 less the margins


def _svg(figure: plt.Figure) -> str:
    tampon = io.StringIO()
    figure.savefig(tampon, format="svg", bbox_inches="tight")
    plt.close(figure)
    texte = tampon.getvalue()
    texte = re.sub(r"^<\?xml[^>]*>\s*", "", texte)  # inlined in HTML: no XML prolog, no DOCTYPE
    texte = re.sub(r"<!DOCTYPE[^>]*>\s*", "", texte)
    return re.sub(r"<metadata>.*?</metadata>", "", texte, flags=re.S)  # no creation date: stable bytes


def _pourcent(x: float, _pos: object = None) -> str:
    return format_fr.pourcentage(x, decimales=0)


def _entier(x: float, _pos: object = None) -> str:
    return format_fr.nombre(x)


def _jalons(axe: plt.Axes, jalons: tuple[tuple[date, str], ...], debut: date, fin: date) -> None:
    """The experiment's milestones as dashed lines, labelled at the top of the chart."""
    visibles = [(jour, libelle) for jour, libelle in jalons if debut <= jour <= fin]
    for rang, (jour, libelle) in enumerate(visibles):
        axe.axvline(jour, color=COULEURS["gris"], linestyle="--", linewidth=0.7)
        # Above the plot, never over the data; milestones 18 months apart would overlap, so their
        # labels are stepped up in turn (three rows).
        axe.annotate(
            f"{libelle}, {format_fr.mois_court(jour)}",
            xy=(jour, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-1, 2 + 9 * (rang % 3)),
            textcoords="offset points",
            fontsize=6.5,
            color="#404040",
            ha="left",
            va="bottom",
        )


def _axe_temps(axe: plt.Axes) -> None:
    axe.xaxis.set_major_locator(mdates.YearLocator(2))
    axe.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    axe.grid(axis="y", color="#e0e0e0", linewidth=0.5)


def tendance_taux(
    series: list[tuple[str, pd.DataFrame]], jalons: tuple[tuple[date, str], ...], mois_rapport: date
) -> str:
    """Monthly TC recovery rate and its 12-month rolling reading, one pair of lines per zone."""
    with plt.rc_context(PARAMETRES):
        figure, axe = plt.subplots(figsize=(LARGEUR_CM / 2.54, 7 / 2.54))
        styles = [COULEURS["principal"], COULEURS["second"]]
        debut = fin = None
        for (nom, serie), couleur in zip(series, styles, strict=False):
            mois = pd.to_datetime(serie["mois"])
            axe.plot(mois, serie["taux_mois"], color=couleur, linewidth=0.6, alpha=0.45, label=f"{nom}, mois")
            axe.plot(
                mois, serie["taux_glissant"], color=couleur, linewidth=1.6, label=f"{nom}, 12 mois glissants"
            )
            debut = min(debut or mois.min().date(), mois.min().date())
            fin = max(fin or mois.max().date(), mois.max().date())
        axe.axvline(mois_rapport, color="black", linewidth=0.8)
        _jalons(axe, jalons, debut, fin)
        axe.yaxis.set_major_formatter(FuncFormatter(_pourcent))
        axe.set_ylabel("TC encaissé / TC attendu")
        _axe_temps(axe)
        axe.set_ylim(bottom=0)
        axe.legend(loc="lower right", fontsize=6.5, frameon=False, ncols=2)
        return _svg(figure)


def tendance_stock(
    series: list[tuple[str, pd.DataFrame]], jalons: tuple[tuple[date, str], ...], mois_rapport: date
) -> str:
    """Recovery procedures active at each month end (intermediation apart)."""
    with plt.rc_context(PARAMETRES):
        figure, axe = plt.subplots(figsize=(LARGEUR_CM / 2.54, 6 / 2.54))
        nom, serie = series[0]
        mois = pd.to_datetime(serie["mois"])
        axe.plot(mois, serie["actives"], color=COULEURS["principal"], linewidth=1.4, label=nom)
        axe.axvline(mois_rapport, color="black", linewidth=0.8)
        _jalons(axe, jalons, mois.min().date(), mois.max().date())
        axe.yaxis.set_major_formatter(FuncFormatter(_entier))
        axe.set_ylabel("procédures actives en fin de mois")
        _axe_temps(axe)
        axe.set_ylim(bottom=0)
        return _svg(figure)


def comparaison_ratios(lignes: pd.DataFrame, titre_axe: str, surligner: set[str] | None = None) -> str:
    """Zones on the case-mix-adjusted ratio (observed / expected at national rates) with their 95 %
    intervals; a masked zone is listed, marked « secret », with no point."""
    surligner = surligner or set()
    hauteur = max(3.0, 0.42 * len(lignes) + 1.2)
    with plt.rc_context(PARAMETRES):
        figure, axe = plt.subplots(figsize=(LARGEUR_CM / 2.54, hauteur / 2.54))
        y = list(range(len(lignes)))[::-1]
        etiquettes = []
        for pos, (_, r) in zip(y, lignes.iterrows(), strict=True):
            nom = r["libelle_zone"]
            if not bool(r["est_diffusable"]) or pd.isna(r["ratio_observe_attendu"]):
                etiquettes.append(f"{nom} (secret)")
                continue
            etiquettes.append(nom)
            couleur = COULEURS["second"] if r["code_zone"] in surligner else COULEURS["principal"]
            if pd.notna(r["ratio_ic95_bas"]):
                axe.plot([r["ratio_ic95_bas"], r["ratio_ic95_haut"]], [pos, pos], color=couleur, linewidth=1)
            axe.plot([r["ratio_observe_attendu"]], [pos], "o", color=couleur, markersize=3.5)
        axe.axvline(1.0, color=COULEURS["gris"], linewidth=0.8, linestyle="--")
        axe.set_yticks(y, etiquettes, fontsize=6.5)
        axe.set_ylim(-0.8, len(lignes) - 0.2)
        axe.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: format_fr.nombre(x, 2)))
        axe.set_xlabel(titre_axe)
        axe.grid(axis="x", color="#e0e0e0", linewidth=0.5)
        return _svg(figure)


def etude_evenement(etude: pd.DataFrame) -> str:
    """The event study of the TC rate: the treated - control gap by month from the start, in points."""
    with plt.rc_context(PARAMETRES):
        figure, axe = plt.subplots(figsize=(LARGEUR_CM / 2.54, 6 / 2.54))
        x = etude["relatif"]
        axe.errorbar(
            x,
            etude["estimation"] * 100,
            yerr=[
                (etude["estimation"] - etude["ic_bas"]) * 100,
                (etude["ic_haut"] - etude["estimation"]) * 100,
            ],
            fmt="o",
            markersize=3,
            color=COULEURS["principal"],
            ecolor=COULEURS["clair"],
            elinewidth=1,
        )
        axe.axhline(0, color=COULEURS["gris"], linewidth=0.8)
        axe.axvline(-0.5, color=COULEURS["gris"], linewidth=0.8, linestyle="--")
        axe.yaxis.set_major_formatter(
            FuncFormatter(lambda v, _p: f"{format_fr.nombre(v, 0)}{format_fr.ESPACE_UNITE}pt")
        )
        axe.set_xlabel("mois depuis le début de l'expérimentation dans le département (0 : premier mois)")
        axe.set_ylabel("écart traités - témoins")
        axe.grid(axis="y", color="#e0e0e0", linewidth=0.5)
        return _svg(figure)


HORIZONS = (1, 3, 6, 12, 24)


def courbes_cohortes(courbes: pd.DataFrame, nombre_cohortes: int = 6) -> str:
    """Share of the amount due recovered after 1 to 24 months, one line per cohort year (the latest
    ones), from marts.courbes_recouvrement_cohortes; a horizon not reached, or masked, is left out."""
    with plt.rc_context(PARAMETRES):
        figure, axe = plt.subplots(figsize=(LARGEUR_CM / 2.54, 6.5 / 2.54))
        annees = sorted(courbes["annee_cohorte"].unique())[-nombre_cohortes:]
        nuances = plt.get_cmap("Blues")
        for rang, annee in enumerate(annees):
            ligne = courbes[courbes["annee_cohorte"] == annee].iloc[0]
            points = [(h, ligne[f"taux_recouvre_{h}_mois"]) for h in HORIZONS]
            points = [(h, v) for h, v in points if pd.notna(v)]
            if not points:
                continue
            teinte = nuances(0.35 + 0.65 * (rang + 1) / len(annees))
            horizons, taux = zip(*points, strict=True)
            axe.plot(horizons, taux, marker="o", markersize=3, color=teinte, label=f"cohorte {annee}")
        axe.set_xscale("log")
        axe.set_xticks(HORIZONS, [f"{h} mois" for h in HORIZONS])
        axe.minorticks_off()
        axe.yaxis.set_major_formatter(FuncFormatter(_pourcent))
        axe.set_ylabel("montant recouvré / montant dû")
        axe.set_ylim(bottom=0)
        axe.legend(loc="lower right", fontsize=6.5, frameon=False, ncols=3)
        return _svg(figure)
