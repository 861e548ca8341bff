"""Les chiffres reposent-ils sur des extractions complètes, à jour et valides ?

Audience: every reader (what the figures rest on) and the pipeline's operators. Reads the quality
marts built from the load manifest, the quarantine and the validation results: counts only, never
a row's value. The extracts are national files (every Caf in each), so these figures are the
network's: none is by Caf, and a local pilot sees the same as the Direction.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import composants as c
from dashboards.entrepot import lire
from pipelines import format_fr

FICHIERS, QUARANTAINE = "qualite_fichiers_recus", "qualite_quarantaine_regles"
VALIDATIONS, FRAICHEUR = "qualite_validations", "qualite_fraicheur_extractions"

portee = c.entete(
    "Qualité des données",
    "Les fichiers reçus chaque mois, les lignes mises en quarantaine par règle et par fichier, les "
    "résultats des validations et la fraîcheur de chaque extraction (le mois qu'elle couvre).",
)
if not {FICHIERS, QUARANTAINE, VALIDATIONS, FRAICHEUR} <= c.tables_publiees():
    st.info("Les indicateurs de qualité ne sont pas encore publiés : relancez `aripa build`.")
    st.stop()


def mois_fr(colonne: pd.Series) -> list[str]:
    return [format_fr.mois_court(pd.Timestamp(m).date()) if pd.notna(m) else format_fr.VIDE for m in colonne]


def horodatage(colonne: pd.Series) -> list[str]:
    return [f"{pd.Timestamp(t):%d/%m/%Y %H:%M}" if pd.notna(t) else format_fr.VIDE for t in colonne]


st.subheader("Fraîcheur des extractions")
fraicheur = lire(f"select * from marts.{FRAICHEUR} order by extraction")
en_retard = fraicheur[fraicheur["retard_mois"] > 0]
if len(en_retard):
    st.warning(
        "En retard sur le dernier mois du calendrier : "
        + ", ".join(
            f"{e} ({format_fr.nombre(r)} mois)"
            for e, r in zip(en_retard["extraction"], en_retard["retard_mois"], strict=True)
        )
    )
else:
    st.success("Chaque extraction couvre le dernier mois du calendrier.")
fraicheur = fraicheur.assign(
    premier=mois_fr(fraicheur["premier_mois_couvert"]),
    dernier=mois_fr(fraicheur["dernier_mois_couvert"]),
    charge=horodatage(fraicheur["dernier_chargement"]),
)
affiche, masques = c.tableau(
    fraicheur,
    {
        "extraction": ("Extraction", "texte"),
        "nb_fichiers_charges": ("Fichiers chargés", "nombre"),
        "premier": ("Premier mois couvert", "texte"),
        "dernier": ("Dernier mois couvert", "texte"),
        "retard_mois": ("Retard (mois)", "nombre"),
        "charge": ("Dernier chargement", "texte"),
    },
    cle="fraicheur",
)
c.telecharger(affiche, masques, "qualite_fraicheur", [FRAICHEUR])

st.subheader("Fichiers reçus par mois")
fichiers = lire(f"select * from marts.{FICHIERS} order by mois_couvert desc, extraction")
fichiers["mois_couvert"] = pd.to_datetime(fichiers["mois_couvert"]).dt.date
extractions = sorted(fichiers["extraction"].unique())
extraction = c.choix("Extraction", ["toutes", *extractions], "extraction", libelles={"toutes": "Toutes"})
if extraction != "toutes":
    fichiers = fichiers[fichiers["extraction"] == extraction]
debut, fin = c.choix_periode(sorted(fichiers["mois_couvert"].unique()), cle="periode", defaut_mois=12)
fichiers = fichiers[(fichiers["mois_couvert"] >= debut) & (fichiers["mois_couvert"] <= fin)]
fichiers = fichiers.assign(
    mois_lib=mois_fr(fichiers["mois_couvert"]), charge=horodatage(fichiers["dernier_chargement"])
)
m1, m2, m3 = st.columns(3)
m1.metric("Versions de fichiers reçues", format_fr.nombre(int(fichiers["nb_versions_recues"].sum())))
m2.metric("Lignes lues (versions chargées)", format_fr.nombre(int(fichiers["lignes_lues"].sum())))
m3.metric("Lignes en quarantaine", format_fr.nombre(int(fichiers["lignes_quarantaine"].sum())))
affiche, masques = c.tableau(
    fichiers,
    {
        "mois_lib": ("Mois couvert", "texte"),
        "extraction": ("Extraction", "texte"),
        "nb_versions_recues": ("Versions reçues", "nombre"),
        "nb_chargees": ("Chargées", "nombre"),
        "nb_remplacees": ("Remplacées", "nombre"),
        "nb_refusees": ("Refusées", "nombre"),
        "nb_retirees": ("Retirées", "nombre"),
        "lignes_lues": ("Lignes lues", "nombre"),
        "lignes_chargees": ("Lignes chargées", "nombre"),
        "lignes_quarantaine": ("Lignes en quarantaine", "nombre"),
        "part_lignes_quarantaine": ("Part en quarantaine", "taux"),
        "charge": ("Dernier chargement", "texte"),
    },
    hauteur=360,
    cle="fichiers",
)
st.caption("Lignes lues = lignes chargées + lignes en quarantaine (lignes vides à part) : rien n'est perdu.")
c.telecharger(affiche, masques, "qualite_fichiers_recus", [FICHIERS])

st.subheader("Lignes en quarantaine, par règle et par fichier")
quarantaine = lire(f"select * from marts.{QUARANTAINE} order by nb_lignes desc, fichier, champ")
if quarantaine.empty:
    st.success("Aucune ligne en quarantaine.")
else:
    # The rows by rule as the committee report counts them: nb_lignes_regle once per file and rule
    # (it repeats on each field), so a row failing a rule on two fields counts once.
    par_regle = lire(
        "select regle, sum(nb_lignes_regle) as nb_lignes, sum(nb_defauts) as nb_defauts, "
        "count(*) as nb_fichiers from (select fichier, regle, max(nb_lignes_regle) as nb_lignes_regle, "
        f"sum(nb_defauts) as nb_defauts from marts.{QUARANTAINE} group by fichier, regle) "
        "group by regle order by nb_lignes desc"
    )
    affiche, masques = c.tableau(
        par_regle,
        {
            "regle": ("Règle", "texte"),
            "nb_lignes": ("Lignes (par règle)", "nombre"),
            "nb_defauts": ("Défauts", "nombre"),
            "nb_fichiers": ("Fichiers", "nombre"),
        },
        cle="par_regle",
    )
    affiche, masques = c.tableau(
        quarantaine.assign(mois_lib=mois_fr(quarantaine["mois_couvert"])),
        {
            "fichier": ("Fichier", "texte"),
            "mois_lib": ("Mois couvert", "texte"),
            "champ": ("Champ", "texte"),
            "regle": ("Règle", "texte"),
            "nb_lignes": ("Lignes", "nombre"),
            "nb_defauts": ("Défauts", "nombre"),
        },
        hauteur=320,
        cle="quarantaine",
    )
    st.caption(
        "Des comptes seulement : la valeur lue reste dans la quarantaine de "
        "l'entrepôt, qui n'est pas publiée."
    )
    c.telecharger(affiche, masques, "qualite_quarantaine", [QUARANTAINE])

st.subheader("Résultats des validations")
validations = lire(
    f"select * from marts.{VALIDATIONS} order by succes_derniere_validation, extraction, colonne"
)
echecs = validations[~validations["succes_derniere_validation"].astype(bool)]
if len(echecs):
    st.warning(f"{len(echecs)} attente(s) en échec à la dernière validation.")
else:
    st.success(f"Les {len(validations)} attentes ont réussi à la dernière validation.")
validations = validations.assign(
    resultat=["réussie" if s else "en échec" for s in validations["succes_derniere_validation"]],
    quand=horodatage(validations["derniere_validation"]),
)
affiche, masques = c.tableau(
    validations,
    {
        "extraction": ("Extraction", "texte"),
        "attente": ("Attente", "texte"),
        "colonne": ("Colonne", "texte"),
        "regle": ("Règle", "texte"),
        "nb_executions": ("Exécutions", "nombre"),
        "nb_executions_en_echec": ("En échec", "nombre"),
        "lignes_validees": ("Lignes validées", "nombre"),
        "lignes_en_echec": ("Lignes en échec", "nombre"),
        "resultat": ("Dernière validation", "texte"),
        "quand": ("Le", "texte"),
    },
    hauteur=360,
    cle="validations",
)
c.telecharger(affiche, masques, "qualite_validations", [VALIDATIONS])
c.source([FRAICHEUR, FICHIERS, QUARANTAINE, VALIDATIONS], portee)
