"""Quel part du terme courant attendu est encaissée, chaque mois, nationalement et par Caf ?

Audience: the Direction de l'Aripa and local Caf pilots. Reads the mart
`marts.taux_recouvrement_flux_mensuel` only; every figure, including the national one, comes
from the mart (no rate is computed here). The drill-down: national, then a zone (highlighted over
the grey band of the network), then one month of that zone by procedure type. Cells under the
statistical-confidentiality threshold (`est_diffusable` false) show « secret ».
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboards import composants as c
from dashboards import graphiques
from dashboards.entrepot import definition, lire
from pipelines import format_fr

MART = "taux_recouvrement_flux_mensuel"
SECRET = c.SECRET

portee = c.entete(
    "Taux de recouvrement du terme courant",
    "Lecture flux : terme courant (TC) encaissé ÷ terme courant attendu, mois par mois. "
    "Numérateur, dénominateur et règles : voir « Définition » en bas de page.",
)

niveaux = c.niveaux_de_la_portee(portee, ["caf_gestionnaire", "caf_residence", "departement", "region"])


# Everything the level drives (filters, cards, chart, tables): a fragment, so a click on the level,
# phase, type or period reruns, and sends to the browser, this section only, not the header and the
# definition below; the zone's section inside it is a fragment of its own.
@st.fragment
def section_niveau() -> None:
    niveau = c.choix(
        "Compter les procédures par",
        niveaux,
        "niveau",
        libelles=c.LIBELLES_NIVEAUX,
        horizontal=True,
        aide="Une Caf peut gérer des dossiers d'une autre Caf (plateaux de jumelage) : "
        "choisissez la lecture.",
    )
    libelle_niveau = c.LIBELLES_NIVEAUX[niveau]
    # The phase (amiable / forcée) narrows the procedure types: the mart's rows are by type, each type
    # in one phase (RA amiable; PDE, saisie and other forced channels forcée), ENSEMBLE for all.
    phases = lire(f"select distinct code_procedure, phase_recouvrement from marts.{MART}")
    f1, f2 = st.columns(2)
    with f1:
        phase = c.choix("Phase", ["ENSEMBLE", "amiable", "force"], "phase", libelles=c.LIBELLES_PHASES)
    types = [
        t
        for t in c.LIBELLES_PROCEDURES
        if phase == "ENSEMBLE"
        or t in set(phases.loc[phases["phase_recouvrement"] == phase, "code_procedure"])
    ]
    with f2:
        code_procedure = c.choix("Type de procédure", types, "type", libelles=c.LIBELLES_PROCEDURES)
    donnees = lire(
        f"select niveau, code_zone, libelle_zone, mois, montant_attendu_tc, montant_encaisse_tc, "
        f"taux_recouvrement_tc, nb_procedures, est_diffusable from marts.{MART} "
        f"where niveau in ('national', ?) and code_procedure = ? order by mois, libelle_zone",
        (niveau, code_procedure),
    )
    if donnees.empty:
        st.info("Le mart est vide : aucune extraction de versements n'a encore été chargée.")
        return
    donnees["mois"] = pd.to_datetime(donnees["mois"]).dt.date
    # Masked cells show no rate anywhere on the page (their values are empty in the published file).
    donnees["taux_publie"] = donnees["taux_recouvrement_tc"].where(donnees["est_diffusable"])

    def montant(valeur) -> str:
        """An amount in euros, or « secret » for a masked cell (published without its values)."""
        return format_fr.euros(float(valeur)) if pd.notna(valeur) else SECRET

    debut, fin = c.choix_periode(sorted(donnees["mois"].unique()), cle="periode", defaut_mois=24)
    donnees = donnees[(donnees["mois"] >= debut) & (donnees["mois"] <= fin)]

    national = donnees[donnees["niveau"] == "national"].set_index("mois")
    dernier_mois = national.index.max()
    derniere = national.loc[dernier_mois]
    precedent = national["taux_publie"].shift(1).loc[dernier_mois] if len(national) > 1 else None

    st.subheader(f"France entière, {format_fr.mois(dernier_mois)}")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        "Taux de recouvrement du TC",
        format_fr.pourcentage(derniere["taux_publie"]) if derniere["est_diffusable"] else SECRET,
        delta=format_fr.points(derniere["taux_publie"] - precedent) if precedent is not None else None,
        help="Écart en points avec le mois précédent.",
    )
    c2.metric("TC encaissé", montant(derniere["montant_encaisse_tc"]))
    c3.metric("TC attendu", montant(derniere["montant_attendu_tc"]))
    c4.metric(
        "Procédures avec un TC dû",
        format_fr.nombre(int(derniere["nb_procedures"])) if pd.notna(derniere["nb_procedures"]) else SECRET,
    )

    zones_df = donnees[donnees["niveau"] != "national"]
    zones = dict(zip(zones_df["code_zone"], zones_df["libelle_zone"], strict=False))
    c.zone_hors_portee("zone", zones, portee)

    # The zone highlighted, its chart, the table and the month of that zone: a fragment, so choosing
    # a zone (or a month) reruns this section only, not the filters and cards above it.
    @st.fragment
    def section_zone() -> None:
        zone = st.selectbox(
            f"Zone mise en avant sur le graphique ({libelle_niveau})",
            sorted(zones, key=zones.get),
            format_func=zones.get,
            index=None,
            placeholder="Choisir une zone",
            key="zone",
            bind="query-params",
        )
        national_serie = national.reset_index().assign(libelle_zone="France entière")
        en_avant = ["France entière", *([zones[zone]] if zone else [])]
        figure = graphiques.series(
            pd.concat([national_serie, zones_df]),
            "taux_recouvrement_tc",
            "Taux de recouvrement du TC",
            en_avant=en_avant,
            reseau=[n for n in sorted(set(zones.values())) if n not in en_avant],
            format_survol=format_fr.pourcentage,
        )
        st.plotly_chart(figure, width="stretch", key="graphique")
        st.caption(
            "En gris, chaque zone du réseau ; en couleur, la France entière et la zone choisie. "
            "« x » sur l'axe : mois masqué (secret statistique). Pointillés : GIPA (oct. 2014), "
            "généralisation (avr. 2016), référentiel (oct. 2017), intermédiation (oct. 2020)."
        )

        st.subheader(f"Par {libelle_niveau}, douze derniers mois de la période")
        mois_axe = sorted(donnees["mois"].unique())
        douze_derniers = mois_axe[-12:]  # the table shows the last twelve months of the period
        tableau = zones_df[zones_df["mois"].isin(douze_derniers)].copy()
        tableau["taux"] = [
            format_fr.pourcentage(t) if pd.notna(t) else SECRET for t in tableau["taux_publie"]
        ]
        tableau.loc[tableau["est_diffusable"] & tableau["taux_publie"].isna(), "taux"] = format_fr.VIDE
        tableau["colonne"] = [format_fr.mois_court(m) for m in tableau["mois"]]
        ordre = [format_fr.mois_court(m) for m in douze_derniers][
            ::-1
        ]  # the latest month first, never scrolled away
        croise = tableau.pivot(index="libelle_zone", columns="colonne", values="taux").reindex(columns=ordre)
        croise.index.name = libelle_niveau
        st.dataframe(croise.fillna(format_fr.VIDE), width="stretch")
        st.caption(
            f"« {SECRET} » : cellule décrivant trop peu de débiteurs pour être publiée (secret statistique). "
            f"« {format_fr.VIDE} » : aucun terme courant dû ce mois-là. Le mois le plus récent est à gauche."
        )
        numerique = tableau[
            ["libelle_zone", "mois", "taux_publie", "montant_encaisse_tc", "montant_attendu_tc"]
        ].rename(
            columns={
                "libelle_zone": libelle_niveau,
                "mois": "Mois",
                "taux_publie": "Taux de recouvrement du TC",
                "montant_encaisse_tc": "TC encaissé (EUR)",
                "montant_attendu_tc": "TC attendu (EUR)",
            }
        )
        c.telecharger(
            numerique.reset_index(drop=True),
            ~tableau["est_diffusable"].reset_index(drop=True),
            f"taux_recouvrement_{niveau}",
            [MART],
        )

        if zone:
            st.subheader(f"{zones[zone]} : un mois par type de procédure")
            mois_zone = sorted(zones_df.loc[zones_df["code_zone"] == zone, "mois"].unique(), reverse=True)
            code_mois = c.choix(
                "Mois",
                [f"{m:%Y-%m}" for m in mois_zone],
                "mois",
                libelles=lambda m: format_fr.mois(date.fromisoformat(m + "-01")),
            )
            detail = lire(
                "select code_procedure, phase_recouvrement, taux_recouvrement_tc, "
                "montant_encaisse_tc, montant_attendu_tc, "
                f"taux_recouvrement_total, nb_procedures, est_diffusable from marts.{MART} "
                f"where niveau = ? and code_zone = ? and mois = ? order by code_procedure",
                (niveau, zone, date.fromisoformat(code_mois + "-01")),
            )
            detail["type"] = (
                detail["code_procedure"].map(c.LIBELLES_PROCEDURES).fillna(detail["code_procedure"])
            )
            detail["phase"] = (
                detail["phase_recouvrement"].map(c.LIBELLES_PHASES).fillna(detail["phase_recouvrement"])
            )
            c.tableau(
                detail,
                {
                    "type": ("Type de procédure", "texte"),
                    "phase": ("Phase", "texte"),
                    "taux_recouvrement_tc": ("Taux du TC", "taux"),
                    "montant_encaisse_tc": ("TC encaissé", "euros"),
                    "montant_attendu_tc": ("TC attendu", "euros"),
                    "taux_recouvrement_total": ("Toutes composantes", "taux"),
                    "nb_procedures": ("Procédures", "nombre"),
                },
                masque=detail["est_diffusable"].fillna(False),
                cle="detail_mois",
            )

    section_zone()


section_niveau()

with st.expander("Définition (documentation dbt du mart)"):
    texte, colonnes = definition("marts", MART)
    st.markdown(texte)
    st.dataframe(
        colonnes.rename(columns={"colonne": "Colonne", "description": "Définition"}),
        hide_index=True,
        width="stretch",
    )
    st.caption(f"Source : `marts.{MART}`, fichier publié de votre portée ({portee}).")
    st.page_link("vues/definitions.py", label="Toutes les définitions des indicateurs", icon="📖")
