"""Quel part du terme courant attendu est encaissée, chaque mois, nationalement et par Caf ?

Audience: the Direction de l'Aripa and local Caf pilots. Reads the mart
`marts.taux_recouvrement_flux_mensuel` only; every figure, including the national one, comes
from the mart (no rate is computed here). Cells under the statistical-confidentiality threshold
(`est_diffusable` false) are masked.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards.entrepot import definition, lire, portee_lecteur, version_publiee
from pipelines import format_fr

MART = "taux_recouvrement_flux_mensuel"
NIVEAUX = {"Caf gestionnaire": "caf_gestionnaire", "Caf de résidence": "caf_residence"}
SECRET = "secret"

st.title("Taux de recouvrement du terme courant")
st.caption(
    "Lecture flux : terme courant (TC) encaissé ÷ terme courant attendu, mois par mois. "
    "Numérateur, dénominateur et règles : voir « Définition » en bas de page."
)

if version_publiee() is None:
    st.warning("Aucune donnée publiée pour l'instant : lancez `aripa demo` ou `aripa build`.")
    st.stop()

libelle_niveau = st.radio(
    "Compter les procédures par",
    list(NIVEAUX),
    horizontal=True,
    help="Une Caf peut gérer des dossiers d'une autre Caf (plateaux de jumelage) : choisissez la lecture.",
)
donnees = lire(
    f"select niveau, code_zone, libelle_zone, mois, montant_attendu_tc, montant_encaisse_tc, "
    f"taux_recouvrement_tc, nb_procedures, est_diffusable from marts.{MART} "
    f"where niveau in ('national', ?) and code_procedure = 'ENSEMBLE' order by mois, libelle_zone",
    (NIVEAUX[libelle_niveau],),
)
if donnees.empty:
    st.info("Le mart est vide : aucune extraction de versements n'a encore été chargée.")
    st.stop()
donnees["mois"] = pd.to_datetime(donnees["mois"]).dt.date
# Masked cells show no rate anywhere on the page (their values are empty in the published file).
donnees["taux_publie"] = donnees["taux_recouvrement_tc"].where(donnees["est_diffusable"])


def montant(valeur) -> str:
    """An amount in euros, or « secret » for a masked cell (published without its values)."""
    return format_fr.euros(float(valeur)) if pd.notna(valeur) else SECRET


tous_les_mois = sorted(donnees["mois"].unique())
debut, fin = st.select_slider(
    "Période affichée",
    options=tous_les_mois,
    value=(tous_les_mois[max(0, len(tous_les_mois) - 24)], tous_les_mois[-1]),
    format_func=format_fr.mois_court,
)
donnees = donnees[(donnees["mois"] >= debut) & (donnees["mois"] <= fin)]

national = donnees[donnees["niveau"] == "national"].set_index("mois")
dernier_mois = national.index.max()
derniere = national.loc[dernier_mois]
precedent = national["taux_publie"].shift(1).loc[dernier_mois] if len(national) > 1 else None

st.subheader(f"France entière, {format_fr.mois(dernier_mois)}")
c1, c2, c3, c4 = st.columns(4)
c1.metric(
    "Taux de recouvrement du TC",
    format_fr.pourcentage(derniere["taux_publie"]),
    delta=format_fr.points(derniere["taux_publie"] - precedent) if precedent is not None else None,
    help="Écart en points avec le mois précédent.",
)
c2.metric("TC encaissé", montant(derniere["montant_encaisse_tc"]))
c3.metric("TC attendu", montant(derniere["montant_attendu_tc"]))
c4.metric(
    "Procédures avec un TC dû",
    format_fr.nombre(int(derniere["nb_procedures"])) if pd.notna(derniere["nb_procedures"]) else SECRET,
)

cafs = donnees[donnees["niveau"] != "national"]
noms = sorted(cafs["libelle_zone"].unique())
choix = st.multiselect(
    f"Caf à comparer à la France entière sur le graphique ({libelle_niveau})",
    noms,
    default=[],
    placeholder="Choisir une ou plusieurs Caf",
)

figure = go.Figure()
for nom, serie in [
    ("France entière", national.reset_index()),
    *((n, cafs[cafs["libelle_zone"] == n]) for n in choix),
]:
    figure.add_trace(
        go.Scatter(
            x=serie["mois"],
            y=serie["taux_publie"] * 100,
            name=nom,
            mode="lines+markers",
            line={"width": 4 if nom == "France entière" else 2},
            customdata=list(
                zip(
                    [format_fr.mois(m) for m in serie["mois"]],
                    [format_fr.pourcentage(t) if pd.notna(t) else SECRET for t in serie["taux_publie"]],
                    [montant(v) for v in serie["montant_encaisse_tc"]],
                    [montant(v) for v in serie["montant_attendu_tc"]],
                    strict=True,
                )
            ),
            hovertemplate="<b>%{fullData.name}</b><br>%{customdata[0]}<br>Taux : %{customdata[1]}"
            "<br>Encaissé : %{customdata[2]}<br>Attendu : %{customdata[3]}<extra></extra>",
        )
    )
mois_axe = sorted(donnees["mois"].unique())
reperes = mois_axe[:: max(1, len(mois_axe) // 12)]  # about twelve ticks, whatever the period
figure.update_layout(
    separators=", ",  # decimal comma, space between thousands
    height=460,
    margin={"l": 10, "r": 10, "t": 30, "b": 10},
    legend={"orientation": "h", "y": -0.15},
    yaxis={"title": "Taux de recouvrement du TC", "ticksuffix": " %", "rangemode": "tozero"},
    xaxis={"tickvals": reperes, "ticktext": [format_fr.mois_court(m) for m in reperes]},
)
st.plotly_chart(figure, width="stretch")

st.subheader(f"Par {libelle_niveau}, douze derniers mois de la période")
douze_derniers = mois_axe[-12:]  # the table shows the last twelve months of the period
tableau = cafs[cafs["mois"].isin(douze_derniers)].copy()
tableau["taux"] = [format_fr.pourcentage(t) if pd.notna(t) else SECRET for t in tableau["taux_publie"]]
tableau["colonne"] = [format_fr.mois_court(m) for m in tableau["mois"]]
ordre = [format_fr.mois_court(m) for m in douze_derniers]
croise = tableau.pivot(index="libelle_zone", columns="colonne", values="taux").reindex(columns=ordre)
croise.index.name = libelle_niveau
st.dataframe(croise.fillna(format_fr.VIDE), width="stretch")
st.caption(
    f"« {SECRET} » : cellule décrivant trop peu de débiteurs pour être publiée (secret statistique). "
    f"« {format_fr.VIDE} » : aucun terme courant dû ce mois-là."
)

with st.expander("Définition (documentation dbt du mart)"):
    texte, colonnes = definition("marts", MART)
    st.markdown(texte)
    st.dataframe(colonnes, hide_index=True, width="stretch")
    st.caption(f"Source : `marts.{MART}`, fichier publié de votre portée ({portee_lecteur()}).")
    st.page_link(
        "vues/documentation.py", label="Toute la documentation des indicateurs (dbt docs)", icon="📖"
    )
