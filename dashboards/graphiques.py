"""Charts every page shares (plotly): time series with the milestones, the network as a grey band
with the selected zones highlighted, masked months marked (never dropped), and a tile grid of the
départements. Values are drawn as read from the marts; nothing is computed here.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from dashboards.composants import JALONS, SECRET

COULEURS = ["#1f4e9c", "#d9480f", "#2b8a3e", "#862e9c", "#e67700", "#0b7285"]
GRIS_RESEAU = "rgba(140, 140, 140, 0.25)"
GRILLE = Path(__file__).with_name("grille_departements.csv")


def _mise_en_page(figure: go.Figure, titre_y: str, pourcentage: bool, hauteur: int = 440) -> go.Figure:
    figure.update_layout(
        separators=", ",  # decimal comma, space between thousands
        height=hauteur,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "y": -0.18},
        hovermode="closest",
        # Whole numbers with a space between thousands (plotly's default "45k" is not French).
        yaxis={
            "title": titre_y,
            "ticksuffix": " %" if pourcentage else "",
            "rangemode": "tozero",
            "tickformat": "" if pourcentage else ",.0f",
        },
        xaxis={"tickformat": "%m/%Y", "hoverformat": "%m/%Y"},
    )
    return figure


def jalons(figure: go.Figure, debut, fin) -> None:
    """The four milestones (GIPA, generalisation, référentiel, intermediation) within the period."""
    for jour, texte in JALONS.items():
        if debut <= jour <= fin:
            figure.add_vline(x=jour, line_dash="dot", line_color="#868e96", line_width=1)
            figure.add_annotation(
                x=jour,
                y=1.0,
                yref="paper",
                text=texte,
                showarrow=False,
                xanchor="left",
                font={"size": 10, "color": "#495057"},
                yanchor="bottom",
            )


def series(
    donnees: pd.DataFrame,
    valeur: str,
    titre_y: str,
    pourcentage: bool = True,
    en_avant: Sequence[str] = (),
    reseau: Sequence[str] = (),
    serie: str = "libelle_zone",
    format_survol=None,
    hauteur: int = 440,
) -> go.Figure:
    """Lines by month (`mois`) of `valeur`, one per `serie`: those of `en_avant` in colour, those of
    `reseau` as thin grey lines (the band of the network), each unlabelled in the legend but one.
    A masked month (`est_diffusable` false) is a gap in the line and an « x » on the axis."""
    figure = go.Figure()
    echelle = 100 if pourcentage else 1
    groupes = {nom: s.sort_values("mois") for nom, s in donnees.groupby(serie, sort=False)}
    # The network: every other zone in one grey trace, its series separated by gaps (one trace, not
    # one per Caf: a hundred traces cost the browser and the server alike).
    x_reseau: list = []
    y_reseau: list = []
    for nom in reseau:
        s = groupes.get(nom)
        if s is None:
            continue
        x_reseau += [*s["mois"], None]
        y_reseau += [*(s[valeur].astype(float) * echelle), None]
    if x_reseau:
        figure.add_trace(
            go.Scatter(
                x=x_reseau,
                y=y_reseau,
                mode="lines",
                line={"color": GRIS_RESEAU, "width": 1},
                name="Réseau (chaque zone)",
                hoverinfo="skip",
                connectgaps=False,
            )
        )
    for i, nom in enumerate(en_avant):
        s = groupes.get(nom, donnees.iloc[0:0])
        diffusable = s["est_diffusable"].fillna(False).astype(bool) if "est_diffusable" in s else None
        y = s[valeur].where(diffusable) if diffusable is not None else s[valeur]
        couleur = COULEURS[i % len(COULEURS)]
        textes = [(format_survol(v) if format_survol else str(v)) if pd.notna(v) else SECRET for v in y]
        figure.add_trace(
            go.Scatter(
                x=s["mois"],
                y=y * echelle,
                mode="lines+markers",
                name=str(nom),
                line={"color": couleur, "width": 3 if i == 0 else 2},
                marker={"size": 4},
                customdata=textes,
                hovertemplate="%{x|%m/%Y} : %{customdata}<extra>%{fullData.name}</extra>",
                connectgaps=False,
            )
        )
        if diffusable is not None and (~diffusable).any():
            caches = s[~diffusable]
            figure.add_trace(
                go.Scatter(
                    x=caches["mois"],
                    y=[0] * len(caches),
                    mode="markers",
                    marker={"symbol": "x-thin-open", "size": 9, "color": couleur, "line": {"width": 2}},
                    name=f"{nom} : mois masqué (secret)",
                    hovertemplate="%{x|%m/%Y} : " + SECRET + "<extra></extra>",
                )
            )
    if len(donnees):
        jalons(figure, donnees["mois"].min(), donnees["mois"].max())
    return _mise_en_page(figure, titre_y, pourcentage, hauteur)


def _positions() -> dict[str, tuple[int, int]]:
    """The tile of each département (column, row), from the hand-laid grid beside this module."""
    with GRILLE.open(encoding="utf-8") as f:
        return {r["code_departement"]: (int(r["colonne"]), int(r["ligne"])) for r in csv.DictReader(f)}


def grille_departements(
    donnees: pd.DataFrame, valeur: str, titre: str, pourcentage: bool = True, format_survol=None
) -> go.Figure:
    """A tile grid of the départements (no map geometry is available offline): one square per
    département, coloured by `valeur`; masked ones hatched grey with « secret »."""
    positions = _positions()
    d = donnees[donnees["code_zone"].isin(positions)].copy()
    d["colonne"] = [positions[c][0] for c in d["code_zone"]]
    d["ligne"] = [positions[c][1] for c in d["code_zone"]]
    diffusable = d["est_diffusable"].fillna(False).astype(bool) & d[valeur].notna()
    echelle = 100 if pourcentage else 1
    textes = [
        f"{c} {n}<br>{(format_survol(v) if format_survol else v) if ok else SECRET}"
        for c, n, v, ok in zip(d["code_zone"], d["libelle_zone"], d[valeur], diffusable, strict=True)
    ]
    figure = go.Figure()
    visibles = d[diffusable]
    figure.add_trace(
        go.Scatter(
            x=visibles["colonne"],
            y=visibles["ligne"],
            mode="markers+text",
            text=visibles["code_zone"],
            textfont={"size": 9, "color": "white"},
            marker={
                "symbol": "square",
                "size": 30,
                "color": visibles[valeur] * echelle,
                "colorscale": "Blues",
                "showscale": True,
                "colorbar": {"title": titre, "ticksuffix": " %" if pourcentage else ""},
            },
            hovertext=[t for t, ok in zip(textes, diffusable, strict=True) if ok],
            hoverinfo="text",
            name=titre,
            showlegend=False,
        )
    )
    caches = d[~diffusable]
    if len(caches):
        figure.add_trace(
            go.Scatter(
                x=caches["colonne"],
                y=caches["ligne"],
                mode="markers+text",
                text=caches["code_zone"],
                textfont={"size": 9, "color": "#495057"},
                marker={
                    "symbol": "square",
                    "size": 30,
                    "color": "#e9ecef",
                    "line": {"color": "#adb5bd", "width": 1},
                },
                hovertext=[t for t, ok in zip(textes, diffusable, strict=True) if not ok],
                hoverinfo="text",
                name="secret",
                showlegend=True,
            )
        )
    figure.update_layout(
        separators=", ",
        height=560,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"visible": False},
        yaxis={"visible": False, "autorange": "reversed", "scaleanchor": "x"},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.02},
    )
    return figure
