"""Widgets every page shares: the page header, the filters (period, zone, type, phase) kept in the URL,
tables that sort numbers as numbers and show masked cells as « secret », KPI cards and downloads.

The filters are bound to the URL (`bind="query-params"`, which writes each option's label, e.g.
`?niveau=Caf+de+résidence&annee=2025`): a view can be sent to a colleague, and a reader opening it
gets the same filters, within their own scope. A zone named in the URL that is
not in the reader's published file shows a message and nothing of it (it is not in the file).
No figure is computed here: values are read from the marts and only formatted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import pandas as pd
import streamlit as st

from dashboards import telechargement
from dashboards.entrepot import definition, lire, portee_lecteur, version_publiee
from pipelines import format_fr
from pipelines.portees import Portee

SECRET = "secret"
LIBELLES_NIVEAUX = {
    "national": "France entière",
    "caf_gestionnaire": "Caf gestionnaire",
    "caf_residence": "Caf de résidence",
    "caf": "Caf",
    "departement": "Département",
    "region": "Région",
}
LIBELLES_PROCEDURES = {
    "ENSEMBLE": "Toutes les procédures",
    "RA": "Recouvrement amiable (RA)",
    "PDE": "Paiement direct (PDE)",
    "SAISIE": "Saisie sur prestations",
    "FORCE": "Recouvrement forcé (autres voies)",
    "IF": "Intermédiation financière",
}
LIBELLES_PHASES = {"ENSEMBLE": "Toutes les phases", "amiable": "Amiable", "force": "Forcée (contentieux)"}
LIBELLES_STADES = {"ENG": "Engagée", "DEF": "Passée en définitif"}
LIBELLES_FAMILLES = {"ARIPA": "Créances de pension (ARIPA)", "INDUS": "Indus de la Caf"}
LIBELLES_NATURES_ASF = {"NR": "ASF non recouvrable", "R": "ASF recouvrable", "C": "ASF complémentaire"}
# Milestones drawn on every time axis (domain brief: timeline).
JALONS = {
    date(2014, 10, 1): "GIPA (oct. 2014)",
    date(2016, 4, 1): "Généralisation (avr. 2016)",
    date(2017, 10, 1): "Référentiel (oct. 2017)",
    date(2020, 10, 1): "Intermédiation (oct. 2020)",
}


def entete(titre: str, question: str) -> Portee:
    """Title, the question the page answers, the reader's scope; stops when nothing is published."""
    st.title(titre)
    st.caption(question)
    portee = portee_lecteur()
    if version_publiee() is None:
        st.warning("Aucune donnée publiée pour l'instant : lancez `aripa demo` ou `aripa build`.")
        st.stop()
    return portee


def libelle_portee(portee: Portee) -> str:
    if portee.type == "caf":
        return f"pilote local de la Caf {portee.code_caf}"
    return {"national": "Direction de l'Aripa (toutes les Caf)", "comite": "comité de pilotage GIPA"}[
        portee.type
    ]


def tables_publiees() -> set[str]:
    return set(lire("select table_name from duckdb_tables() where schema_name = 'marts'")["table_name"])


# --- filters (bound to the URL) ------------------------------------------------------------------


def choix(
    libelle: str,
    options: Sequence[str],
    cle: str,
    libelles: dict[str, str] | Callable[[str], str] | None = None,
    defaut: str | None = None,
    horizontal: bool = False,
    aide: str | None = None,
) -> str:
    """A selectbox (or radio when horizontal) of codes, shown with their labels, kept in the URL."""
    options = list(options)
    nommer = libelles.get if isinstance(libelles, dict) else libelles

    def format_func(code: str) -> str:
        return (nommer(code) if nommer else None) or str(code)

    index = options.index(defaut) if defaut in options else 0
    if horizontal:
        return st.radio(
            libelle,
            options,
            index=index,
            format_func=format_func,
            key=cle,
            bind="query-params",
            horizontal=True,
            help=aide,
        )
    return st.selectbox(
        libelle, options, index=index, format_func=format_func, key=cle, bind="query-params", help=aide
    )


def choix_periode(
    mois: Sequence[date], cle: str = "periode", defaut_mois: int = 36, defaut: tuple[date, date] | None = None
) -> tuple[date, date]:
    """A range of months (select slider), kept in the URL; by default the last `defaut_mois` months,
    or the range `defaut`."""
    codes = [f"{m:%Y-%m}" for m in sorted(mois)]
    if not codes:
        st.info("Aucun mois publié pour cette sélection.")
        st.stop()
    valeur = (codes[max(0, len(codes) - defaut_mois)], codes[-1])
    if defaut is not None:
        dedans = [c for c in codes if f"{defaut[0]:%Y-%m}" <= c <= f"{defaut[1]:%Y-%m}"]
        valeur = (dedans[0], dedans[-1]) if dedans else valeur
    debut, fin = st.select_slider(
        "Période",
        options=codes,
        value=valeur,
        format_func=lambda c: format_fr.mois_court(date.fromisoformat(c + "-01")),
        key=cle,
        bind="query-params",
    )
    return date.fromisoformat(debut + "-01"), date.fromisoformat(fin + "-01")


def derniere_annee_complete() -> int | None:
    """The last calendar year whose twelve months are in the calendar (dim_mois): the default year,
    since the latest year is usually partial."""
    lignes = lire(
        "select annee from marts.dim_mois group by annee having count(*) = 12 order by annee desc limit 1"
    )
    return int(lignes["annee"].iloc[0]) if len(lignes) else None


def choix_annee(annees: Sequence[int], cle: str = "annee", defaut: int | None = None) -> int:
    """A year, kept in the URL; by default the last complete year among `annees`."""
    if defaut is None:
        complete = derniere_annee_complete()
        defaut = max((a for a in annees if complete is None or a <= complete), default=None)
    options = [str(a) for a in sorted(annees, reverse=True)]
    if not options:
        st.info("Aucune année publiée pour cette sélection.")
        st.stop()
    valeur = choix("Année", options, cle, defaut=str(defaut) if defaut is not None else None)
    return int(valeur)


def niveaux_de_la_portee(portee: Portee, candidats: Sequence[str]) -> list[str]:
    """The levels a reader can choose among (a Caf's file has its own Caf rows and the national ones;
    the committee's has départements and regions, no Caf)."""
    if portee.type == "caf":
        permis = {"caf_gestionnaire", "caf_residence", "caf"}
    elif portee.type == "comite":
        permis = {"departement", "region"}
    else:
        permis = {"caf_gestionnaire", "caf_residence", "caf", "departement", "region"}
    return [n for n in candidats if n in permis]


def zone_hors_portee(parametre: str, zones: dict[str, str], portee: Portee) -> None:
    """A zone the URL names (`?{parametre}=CODE`) but the reader's file does not hold: say so and show
    nothing of it. The widget bound to that parameter then drops it from the URL."""
    demande = st.query_params.get(parametre)
    # The URL holds a bound widget's label (Streamlit writes the formatted option); a code is accepted too.
    if demande and demande not in zones and demande not in zones.values():
        st.error(
            f"La zone « {demande} » demandée dans l'adresse n'est pas dans votre portée "
            f"({libelle_portee(portee)}) : rien n'en est affiché."
        )


def choix_zone(zones: dict[str, str], portee: Portee, cle: str = "zone", libelle: str = "Zone") -> str | None:
    """One zone among those published for the reader (code -> label), kept in the URL."""
    zone_hors_portee(cle, zones, portee)
    if not zones:
        return None
    codes = sorted(zones, key=lambda c: zones[c])
    defaut = portee.code_caf if portee.type == "caf" and portee.code_caf in zones else codes[0]
    return choix(libelle, codes, cle, libelles=zones, defaut=defaut)


def choix_niveau_zone(mart: str, portee: Portee, niveaux: Sequence[str]) -> tuple[str, str, str]:
    """The zone a page shows: France entière, or one zone of a level the scope holds (drill-down
    national -> zone). Returns (niveau, code_zone, label); kept in the URL (`niveau`, `zone`)."""
    permis = ["national", *niveaux_de_la_portee(portee, niveaux)]
    defaut = "national"
    if portee.type == "caf":
        propres = lire(f"select distinct niveau from marts.{mart} where niveau <> 'national'")[
            "niveau"
        ].tolist()
        defaut = next((n for n in permis if n in propres), "national")
    niveau = choix("Zone", permis, "niveau", libelles=LIBELLES_NIVEAUX, defaut=defaut, horizontal=True)
    if niveau == "national":
        return "national", "FR", "France entière"
    lignes = lire(f"select distinct code_zone, libelle_zone from marts.{mart} where niveau = ?", (niveau,))
    zones = dict(zip(lignes["code_zone"], lignes["libelle_zone"], strict=True))
    zone = choix_zone(zones, portee, cle="zone", libelle=LIBELLES_NIVEAUX[niveau])
    if zone is None:
        st.info("Aucune zone publiée à ce niveau dans votre portée.")
        st.stop()
    return niveau, zone, zones[zone]


# --- KPI cards -----------------------------------------------------------------------------------


def carte(
    colonne,
    titre: str,
    valeur: str,
    delta: str | None = None,
    aide: str | None = None,
    detail: str | None = None,
    sens_inverse: bool = False,
) -> None:
    """One KPI: value, change, and under it its numerator, denominator and period."""
    colonne.metric(titre, valeur, delta=delta, help=aide, delta_color="inverse" if sens_inverse else "normal")
    if detail:
        colonne.caption(detail)


def valeur_ou_secret(valeur, diffusable: bool, formater: Callable) -> str:
    if not diffusable:
        return SECRET
    return formater(valeur)


# --- tables --------------------------------------------------------------------------------------

FORMATS: dict[str, Callable] = {
    "taux": lambda v: format_fr.pourcentage(v),
    "euros": lambda v: format_fr.euros(v),
    "nombre": lambda v: format_fr.nombre(v),
    "decimal": lambda v: format_fr.nombre(v, decimales=2),
    "jours": lambda v: f"{format_fr.nombre(v)}{format_fr.ESPACE_UNITE}j",
    "points": lambda v: format_fr.points(v),
    "pt": lambda v: f"{format_fr.nombre(v * 100, 1)}{format_fr.ESPACE_UNITE}pt",  # a spread, unsigned
}


def tableau(
    donnees: pd.DataFrame,
    colonnes: dict[str, tuple[str, str]],
    masque: pd.Series | None = None,
    hauteur: int | None = None,
    cle: str | None = None,
):
    """Show `donnees` with French labels (`colonnes`: column -> (label, format)): the values stay
    numbers (the grid sorts them as numbers), only their display is French; masked rows show
    « secret » in their value columns, empty values « – ». Returns the frame shown (labels, numbers)."""
    affiche = donnees[list(colonnes)].rename(columns={c: lib for c, (lib, _) in colonnes.items()})
    affiche = affiche.reset_index(drop=True)
    masques = (
        pd.Series(False, index=affiche.index)
        if masque is None
        else pd.Series(~masque.to_numpy().astype(bool), index=affiche.index)
    )
    valeurs = [lib for lib, fmt in colonnes.values() if fmt != "texte"]
    # One format call for every value column, one for the masked rows: each Styler.format call
    # walks the cells it formats, and the grid's rerun time was mostly this.
    formats = {
        lib: (lambda v, f=FORMATS[fmt]: format_fr.VIDE if pd.isna(v) else f(v))
        for lib, fmt in colonnes.values()
        if fmt != "texte"
    }
    # The grid draws an empty cell with `placeholder`, whatever the styler says: « secret » when
    # every empty value cell is a masked one, else « – » and a column saying which rows are masked.
    vides_publies = bool(affiche.loc[~masques, valeurs].isna().to_numpy().any()) if valeurs else False
    if masques.any() and vides_publies:
        affiche.insert(0, "Diffusion", [SECRET if m else "" for m in masques])
        affiche_grille, vide = affiche.style.format(formats), format_fr.VIDE
    else:
        styler = affiche.style.format(formats)
        if masques.any() and valeurs:
            styler = styler.format(lambda v: SECRET, subset=pd.IndexSlice[masques[masques].index, valeurs])
        affiche_grille, vide = styler, (SECRET if masques.any() else format_fr.VIDE)
    st.dataframe(
        affiche_grille, hide_index=True, width="stretch", height=hauteur or "auto", key=cle, placeholder=vide
    )
    if "Diffusion" in affiche:
        affiche = affiche.drop(columns="Diffusion")
    return affiche, masques


def legende_secret() -> None:
    st.caption(
        f"« {SECRET} » : cellule décrivant trop peu de personnes pour être publiée (secret statistique) ; "
        f"elle reste dans le tableau, sans valeur. « {format_fr.VIDE} » : rien à compter."
    )


def definitions(marts: Sequence[str]) -> pd.DataFrame:
    """The dbt documentation of the marts (table and column comments of the published file)."""
    lignes = []
    for mart in marts:
        texte, colonnes = definition("marts", mart)
        lignes.append({"mart": mart, "colonne": "", "définition": texte.strip()})
        lignes += [
            {"mart": mart, "colonne": c, "définition": d or ""}
            for c, d in zip(colonnes["colonne"], colonnes["description"], strict=True)
        ]
    return pd.DataFrame(lignes, columns=["mart", "colonne", "définition"])


def telecharger(affiche: pd.DataFrame, masques: pd.Series, nom: str, marts: Sequence[str]) -> None:
    """CSV (`;`, decimal comma) and xlsx (with the definitions) of the table shown."""
    donnees = affiche.copy()
    donnees[telechargement.COLONNE_SECRET] = [SECRET if m else "" for m in masques]
    c1, c2, _ = st.columns([1, 1.3, 2])
    c1.download_button(
        "Télécharger (CSV)",
        data=lambda: telechargement.csv_fr(donnees),
        file_name=f"{nom}.csv",
        mime="text/csv",
        on_click="ignore",
        key=f"csv_{nom}",
    )
    c2.download_button(
        "Télécharger (xlsx, définitions)",
        data=lambda: telechargement.xlsx(donnees, definitions(marts), nom),
        file_name=f"{nom}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        key=f"xlsx_{nom}",
    )


def source(marts: Sequence[str], portee: Portee) -> None:
    st.caption(
        "Source : "
        + ", ".join(f"`marts.{m}`" for m in marts)
        + f" ; fichier publié de votre portée ({portee})."
        " Définitions : page « Définitions »."
    )
