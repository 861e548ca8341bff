"""Où va le recouvrement ? Alertes du mois, prévisions à 12 mois, courbes par cohorte, objectifs.

Audience: the Direction de l'Aripa (every Caf) and local Caf pilots (their Caf, the national
level). Reads, through dashboards/entrepot.py only, the marts `alertes_mensuelles`,
`courbes_recouvrement_cohortes`, `objectifs_cafs_annuels` and the schema `prevision` written by
`aripa forecast`. No figure is computed here: the page picks, formats and draws. A masked cell
(`est_diffusable` false, its values empty in the published file) shows « secret ».
"""

from __future__ import annotations

import io

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards.entrepot import lire, version_publiee
from pipelines import format_fr

SECRET = "secret"
TYPES_ALERTE = {
    "derive_caf": "Caf hors de son niveau attendu",
    "quarantaine": "Quarantaine en hausse",
    "prescription": "Créances proches de la prescription",
    "saisie_4e_defail": "Saisies proches du 4e DEFAIL",
}
SERIES = {
    "procedures_actives": "Procédures actives",
    "montant_attendu": "Montants attendus",
    "montant_encaisse": "Montants encaissés",
}
MODELES = {"ets": "lissage exponentiel (ETS)", "saisonnier_naif": "saisonnier naïf"}
HORIZONS = (1, 3, 6, 12, 24)
FONDEMENTS = {
    "rattrapage": "rattrapage de la moitié de l'écart au taux attendu",
    "tendance": "prolongement de sa tendance",
    "progression_minimale": "progression minimale",
    "plafond_progression": "progression plafonnée",
    "maintien": "maintien (au plafond)",
}


def _lire_ou_vide(sql: str, parametres: tuple = ()) -> pd.DataFrame:
    """A table a step has not written yet (no forecast computed) reads as empty, not as an error."""
    try:
        return lire(sql, parametres)
    except duckdb.CatalogException:
        return pd.DataFrame()


def valeur_lisible(valeur, unite: str) -> str:
    if pd.isna(valeur):
        return format_fr.VIDE
    if unite == "part":
        return format_fr.pourcentage(valeur, 2)
    if unite == "euros":
        return format_fr.euros(valeur)
    if unite == "ratio":
        return format_fr.nombre(valeur, 3)
    return format_fr.nombre(valeur)


def tableau_alertes(alertes: pd.DataFrame) -> pd.DataFrame:
    """The alert list as a reader reads it (French labels and number formats)."""
    lignes = []
    for _, a in alertes.iterrows():
        masque = not bool(a["est_diffusable"])
        lignes.append(
            {
                "Mois": format_fr.mois(a["mois"]),
                "Alerte": TYPES_ALERTE.get(a["type_alerte"], a["type_alerte"]),
                "Zone": a["libelle_zone"],
                "Objet": a["objet"],
                "Motif": SECRET if masque else a["motif"],
                "Valeur": SECRET if masque else valeur_lisible(a["valeur"], a["unite"]),
                "Référence": SECRET if masque else valeur_lisible(a["valeur_reference"], a["unite"]),
                "Nombre": SECRET if masque else format_fr.nombre(a["nombre"]),
                "Montant": SECRET if masque else format_fr.euros(a["montant"]),
                "Règle": a["regle"],
            }
        )
    return pd.DataFrame(lignes)


def en_xlsx(tableau: pd.DataFrame) -> bytes:
    tampon = io.BytesIO()
    with pd.ExcelWriter(tampon, engine="xlsxwriter") as classeur:
        tableau.to_excel(classeur, sheet_name="Alertes", index=False)
    return tampon.getvalue()


st.title("Perspectives : alertes, prévisions, objectifs")
if version_publiee() is None:
    st.warning("Aucune donnée publiée pour l'instant : lancez `aripa demo` ou `aripa build`.")
    st.stop()

# --- Alertes du mois ------------------------------------------------------------------------------
st.header("Alertes du mois")
alertes = _lire_ou_vide(
    "select * from marts.alertes_mensuelles where en_alerte or not est_diffusable "
    "order by mois desc, type_alerte, niveau, libelle_zone, objet"
)
if alertes.empty:
    st.info("Aucune alerte publiée.")
else:
    alertes["mois"] = pd.to_datetime(alertes["mois"]).dt.date
    mois_disponibles = sorted(alertes["mois"].unique(), reverse=True)
    mois_choisi = st.selectbox("Mois", mois_disponibles, format_func=format_fr.mois)
    # The photograph-based alerts (prescription) have one month: the latest, shown with every month.
    du_mois = alertes[(alertes["mois"] == mois_choisi) | (alertes["type_alerte"] == "prescription")]
    levees = du_mois[du_mois["en_alerte"].fillna(False).astype(bool)]
    secretes = du_mois[~du_mois["est_diffusable"].astype(bool)]
    c1, c2 = st.columns(2)
    c1.metric("Alertes levées", format_fr.nombre(len(levees)))
    c2.metric(
        "Cellules sous secret statistique",
        format_fr.nombre(len(secretes)),
        help="Cellules examinées dont les chiffres ne sont pas publiés (trop peu de personnes).",
    )
    # The table lists the alerts raised; a masked cell (its figures unpublished) is only counted.
    tableau = tableau_alertes(levees)
    st.dataframe(tableau, hide_index=True, width="stretch")
    nom = f"alertes_{mois_choisi:%Y-%m}"
    d1, d2 = st.columns(2)
    d1.download_button(
        "Télécharger (CSV)",
        tableau.to_csv(sep=";", index=False).encode("utf-8-sig"),
        file_name=f"{nom}.csv",
        mime="text/csv",
    )
    d2.download_button(
        "Télécharger (Excel)",
        en_xlsx(tableau),
        file_name=f"{nom}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )

# --- Prévisions à 12 mois ------------------------------------------------------------------------
st.header("Prévisions à 12 mois")
previsions = _lire_ou_vide("select * from prevision.previsions order by serie, niveau, code_zone, mois")
if previsions.empty:
    st.info("Aucune prévision publiée : lancez `aripa forecast`.")
else:
    previsions["mois"] = pd.to_datetime(previsions["mois"]).dt.date
    serie = st.selectbox("Série", list(SERIES), format_func=SERIES.get)
    zones = previsions[previsions["serie"] == serie].drop_duplicates("code_zone")
    zone = st.selectbox(
        "Zone",
        zones["code_zone"].tolist(),
        format_func=dict(zip(zones["code_zone"], zones["libelle_zone"], strict=True)).get,
    )
    p = previsions[(previsions["serie"] == serie) & (previsions["code_zone"] == zone)]
    figure = go.Figure()
    for basse, haute, nom_bande, opacite in (
        ("borne_basse_95", "borne_haute_95", "intervalle à 95 %", 0.15),
        ("borne_basse_80", "borne_haute_80", "intervalle à 80 %", 0.3),
    ):
        figure.add_trace(
            go.Scatter(
                x=list(p["mois"]) + list(p["mois"])[::-1],
                y=list(p[haute]) + list(p[basse])[::-1],
                fill="toself",
                line={"width": 0},
                opacity=opacite,
                name=nom_bande,
            )
        )
    figure.add_trace(go.Scatter(x=p["mois"], y=p["prevision"], name="prévision", mode="lines+markers"))
    figure.update_layout(
        separators=", ",
        height=380,
        margin={"t": 20},
        # French month labels (Plotly's own are English).
        xaxis={"tickvals": list(p["mois"]), "ticktext": [format_fr.mois_court(m) for m in p["mois"]]},
    )
    st.plotly_chart(figure, width="stretch")
    modele = p["modele"].iloc[0]
    st.caption(
        f"Modèle retenu : {MODELES.get(modele, modele)} (le meilleur au rétro-test) ; dernier mois observé : "
        f"{format_fr.mois(pd.Timestamp(p['dernier_mois_observe'].iloc[0]).date())}."
    )
    retro = _lire_ou_vide("select * from prevision.retro_synthese order by serie, modele")
    if not retro.empty:
        st.subheader("Rétro-test (origines glissantes, toutes zones)")
        st.dataframe(
            pd.DataFrame(
                {
                    "Série": retro["serie"].map(SERIES),
                    "Modèle": retro["modele"].map(MODELES),
                    "Erreur (WAPE)": retro["wape"].map(format_fr.pourcentage),
                    "MASE": retro["mase"].map(lambda x: format_fr.nombre(x, 2)),
                    "Couverture 80 %": retro["couverture_80"].map(lambda x: format_fr.pourcentage(x, 0)),
                    "Couverture 95 %": retro["couverture_95"].map(lambda x: format_fr.pourcentage(x, 0)),
                    "Retenu": retro["est_retenu"].map({True: "oui", False: "non"}),
                }
            ),
            hide_index=True,
            width="stretch",
        )

# --- Courbes de recouvrement par cohorte ---------------------------------------------------------
st.header("Courbes de recouvrement par cohorte")
courbes = _lire_ou_vide(
    "select * from marts.courbes_recouvrement_cohortes "
    "where code_procedure = 'ENSEMBLE' order by annee_cohorte"
)
if courbes.empty:
    st.info("Aucune courbe publiée.")
else:
    annees = sorted(courbes["annee_cohorte"].unique(), reverse=True)
    annee = st.selectbox("Cohorte (année d'engagement)", annees)
    cafs = courbes[courbes["niveau"] == "caf_gestionnaire"].drop_duplicates("code_zone")
    caf = st.selectbox(
        "Caf gestionnaire",
        cafs["code_zone"].tolist(),
        format_func=dict(zip(cafs["code_zone"], cafs["libelle_zone"], strict=True)).get,
    )
    figure = go.Figure()
    for niveau, code in (("national", "FR"), ("caf_gestionnaire", caf)):
        ligne = courbes[
            (courbes["niveau"] == niveau)
            & (courbes["code_zone"] == code)
            & (courbes["annee_cohorte"] == annee)
        ]
        if ligne.empty:
            continue
        ligne = ligne.iloc[0]
        taux = [ligne[f"taux_recouvre_{h}_mois"] if ligne["est_diffusable"] else None for h in HORIZONS]
        figure.add_trace(
            go.Scatter(x=list(HORIZONS), y=taux, name=ligne["libelle_zone"], mode="lines+markers")
        )
    figure.update_layout(
        separators=", ",
        height=360,
        margin={"t": 20},
        xaxis_title="mois de vie",
        yaxis_title="part du montant dû recouvrée",
        yaxis_tickformat=".0%",
    )
    st.plotly_chart(figure, width="stretch")

# --- Objectifs proposés --------------------------------------------------------------------------
st.header("Objectifs proposés pour l'année suivante")
objectifs = _lire_ou_vide("select * from marts.objectifs_cafs_annuels order by niveau desc, libelle_zone")
if objectifs.empty:
    st.info("Aucun objectif publié.")
else:
    st.caption(
        "Taux de recouvrement du TC. Progression = la moitié de l'écart au taux attendu selon les "
        "dossiers de la Caf, ou sa tendance sur trois ans, au moins 0,5 point, au plus 3 points, "
        "objectif au plus 95 %. Règles dans la documentation du mart."
    )
    # A masked cell's values are empty in the published file: they read « secret ».
    publie = objectifs["est_diffusable"].astype(bool)

    def colonne(valeurs: pd.Series, format_) -> pd.Series:
        return valeurs.map(format_).where(publie, SECRET)

    st.dataframe(
        pd.DataFrame(
            {
                "Zone": objectifs["libelle_zone"],
                "Départ": objectifs["annee_depart"],
                "Taux observé": colonne(objectifs["taux_observe"], format_fr.pourcentage),
                "Taux attendu (dossiers)": colonne(objectifs["taux_attendu"], format_fr.pourcentage),
                "Tendance / an": colonne(objectifs["tendance_annuelle"], format_fr.points),
                "Progression retenue": colonne(objectifs["progression_retenue"], format_fr.points),
                "Objectif": colonne(objectifs["objectif_taux"], format_fr.pourcentage),
                "Fondement": colonne(objectifs["fondement"], lambda f: FONDEMENTS.get(f, f)),
            }
        ),
        hide_index=True,
        width="stretch",
    )
