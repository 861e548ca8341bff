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
import streamlit as st

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


def bande_quartiles(figure: go.Figure, x, bas, haut, nom: str, couleur: str = GRIS_RESEAU) -> None:
    """The spread of the Cafs as a grey band from the first to the third quartile (rates in %):
    an invisible upper line, then the lower one filled up to it."""
    trace = {"x": x, "mode": "lines", "line": {"width": 0}}
    figure.add_trace(go.Scatter(y=haut * 100, showlegend=False, hoverinfo="skip", **trace))
    figure.add_trace(go.Scatter(y=bas * 100, fill="tonexty", fillcolor=couleur, name=nom, **trace))


def jalons(figure: go.Figure, debut, fin) -> None:
    """The four milestones (GIPA, generalisation, référentiel, intermediation) within the period.
    Set in one layout update: `add_vline` per milestone re-validates the whole layout each time."""
    dedans = [(jour, texte) for jour, texte in JALONS.items() if debut <= jour <= fin]
    if not dedans:
        return
    figure.update_layout(
        shapes=[
            *figure.layout.shapes,
            *(
                {
                    "type": "line",
                    "x0": jour,
                    "x1": jour,
                    "xref": "x",
                    "y0": 0,
                    "y1": 1,
                    "yref": "y domain",
                    "line": {"dash": "dot", "color": "#868e96", "width": 1},
                }
                for jour, _ in dedans
            ),
        ],
        annotations=[
            *figure.layout.annotations,
            *(
                {
                    "x": jour,
                    "y": 1.0,
                    "yref": "paper",
                    "text": texte,
                    "showarrow": False,
                    "xanchor": "left",
                    "font": {"size": 10, "color": "#495057"},
                    "yanchor": "bottom",
                }
                for jour, texte in dedans
            ),
        ],
    )


def _site(fonction) -> tuple | None:
    """Where a formatting function is defined (module, name, line): part of a cached figure's key,
    two lambdas of one page being two different functions."""
    if fonction is None:
        return None
    code = getattr(fonction, "__code__", None)
    return (fonction.__module__, fonction.__qualname__, code.co_firstlineno if code else None)


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
    """The figure of `_series`, built once per content: a click that comes back to a view already
    drawn (another option, then this one) reuses it. Keyed on the frame's content (hashed), so a
    reader only ever gets a figure built from rows of their own file. Not to be modified by the
    caller: the object is shared (st.cache_resource, not copied). Only the columns the figure
    reads are hashed (a frame of a hundred zones by month hashed whole cost more than the chart)."""
    lues = [serie, "mois", valeur, *(["est_diffusable"] if "est_diffusable" in donnees else [])]
    return _series_en_cache(
        donnees[list(dict.fromkeys(lues))],
        valeur,
        titre_y,
        pourcentage,
        tuple(en_avant),
        tuple(reseau),
        serie,
        _site(format_survol),
        hauteur,
        _format_survol=format_survol,
    )


@st.cache_resource(show_spinner=False, max_entries=128)
def _series_en_cache(
    donnees, valeur, titre_y, pourcentage, en_avant, reseau, serie, site_format, hauteur, _format_survol
) -> go.Figure:
    return _series(donnees, valeur, titre_y, pourcentage, en_avant, reseau, serie, _format_survol, hauteur)


def _series(
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
    # One sort, then one slice per series (a sort per group cost more than the chart).
    ordonnees = donnees.sort_values([serie, "mois"], kind="stable")
    groupes = dict(tuple(ordonnees.groupby(serie, sort=False)))
    # The network: every other zone in one grey trace, its series separated by gaps (one trace, not
    # one per Caf: a hundred traces cost the browser and the server alike). Built as arrays: plotly
    # validates a list element by element, an array at once.
    dans_reseau = ordonnees[ordonnees[serie].isin(set(reseau))]
    if len(dans_reseau):
        # A gap (NaN) after each zone's last month, so the line does not join two zones.
        fins = dans_reseau.drop_duplicates(serie, keep="last").assign(**{valeur: float("nan")})
        bande = pd.concat([dans_reseau.assign(_fin=0), fins.assign(_fin=1)]).sort_values(
            [serie, "_fin", "mois"], kind="stable"
        )
        figure.add_trace(
            go.Scatter(
                x=pd.to_datetime(bande["mois"]).to_numpy(),
                y=bande[valeur].astype(float).to_numpy() * echelle,
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
