"""Où en est le recouvrement ce mois-ci, et qu'est-ce qui a changé depuis le mois et l'an dernier ?

Audience: the Direction de l'Aripa first (the default page), every reader in their scope. Each
headline KPI with its value, its change on the month and on the year, its numerator, denominator
and period; the two readings of the recovery rate (flow and financial) side by side. Every figure
is read from a mart; the page only subtracts two published values to show a change.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboards import composants as c
from dashboards.entrepot import lire
from pipelines import format_fr

portee = c.entete(
    "Synthèse du mois",
    "Les indicateurs principaux du dernier mois publié, leur évolution sur le mois et sur l'année, "
    "avec leur numérateur, leur dénominateur et leur période.",
)

# The zone: France entière, or, for a local pilot, their Caf (as the Caf managing the cases).
zones = {"FR": "France entière"}
if portee.type == "caf":
    propre = lire(
        "select distinct code_zone, libelle_zone from marts.taux_recouvrement_flux_mensuel "
        "where niveau = 'caf_gestionnaire' or niveau = 'caf_residence'"
    )
    zones |= dict(zip(propre["code_zone"], propre["libelle_zone"], strict=True))
zone = c.choix_zone(zones, portee, cle="zone", libelle="Zone") if len(zones) > 1 else "FR"
niveau_caf = "caf_gestionnaire"
if zone != "FR":
    niveau_caf = c.choix(
        "Compter les procédures par",
        ["caf_gestionnaire", "caf_residence"],
        "niveau",
        libelles=c.LIBELLES_NIVEAUX,
        horizontal=True,
    )
filtre_zone = "niveau = 'national'" if zone == "FR" else f"niveau = '{niveau_caf}' and code_zone = ?"
parametres_zone: tuple = () if zone == "FR" else (zone,)

mois_publies = lire(
    f"select distinct mois from marts.taux_recouvrement_flux_mensuel where {filtre_zone} order by mois",
    parametres_zone,
)["mois"]
mois_publies = [pd.Timestamp(m).date() for m in mois_publies]
if not mois_publies:
    st.info("Aucun mois publié pour cette zone.")
    st.stop()
codes_mois = [f"{m:%Y-%m}" for m in mois_publies]
code_mois = c.choix(
    "Mois",
    codes_mois[::-1],
    "mois",
    libelles=lambda m: format_fr.mois(date.fromisoformat(m + "-01")),
)
mois = date.fromisoformat(code_mois + "-01")
mois_precedent = date(mois.year - (mois.month == 1), 12 if mois.month == 1 else mois.month - 1, 1)
mois_an_passe = date(mois.year - 1, mois.month, 1)
trois = (mois, mois_precedent, mois_an_passe)


def par_mois(
    sql_select: str, mart: str, filtre: str = "true", sommer: bool = False, par_caf: bool = False
) -> dict[date, pd.Series]:
    """One row per month of `trois` (the month, the one before, the same month a year before);
    `sommer`: the parts of the month (types, stages, kinds) re-summed into one row."""
    # `par_caf`: a mart counted by the Caf holding the file (level `caf`), not gestionnaire/résidence.
    ou = "niveau = 'caf' and code_zone = ?" if par_caf and zone != "FR" else filtre_zone
    lignes = lire(
        f"select mois, {sql_select} from marts.{mart} where {ou} and {filtre} and mois in (?, ?, ?)"
        + (" group by mois" if sommer else ""),
        (*parametres_zone, *trois),
    )
    return {pd.Timestamp(r["mois"]).date(): r for _, r in lignes.iterrows()}


def ecart(lignes: dict, colonne: str, reference: date, taux: bool) -> str | None:
    """The change from `reference` to the month shown (both published), as the card's delta."""
    if mois not in lignes or reference not in lignes:
        return None
    a, b = lignes[mois], lignes[reference]
    if not (a.get("est_diffusable", True) and b.get("est_diffusable", True)):
        return None
    if pd.isna(a[colonne]) or pd.isna(b[colonne]):
        return None
    difference = float(a[colonne]) - float(b[colonne])
    if taux:
        return format_fr.points(difference)
    return ("+" if difference > 0 else "") + format_fr.nombre(difference)


def carte(
    colonne, titre, lignes, valeur, taux, numerateur=None, denominateur=None, unite_nd="euros", quoi=""
):
    ligne = lignes.get(mois)
    diffusable = ligne is not None and bool(ligne.get("est_diffusable", True))
    formater = format_fr.pourcentage if taux else format_fr.nombre
    texte = c.valeur_ou_secret(ligne[valeur] if ligne is not None else None, diffusable, formater)
    if ligne is None:
        texte = format_fr.VIDE
    mois_txt = ecart(lignes, valeur, mois_precedent, taux)
    annee_txt = ecart(lignes, valeur, mois_an_passe, taux)
    detail = [f"Sur un mois : {mois_txt or format_fr.VIDE} ; sur un an : {annee_txt or format_fr.VIDE}."]
    if numerateur and ligne is not None and diffusable:
        f = format_fr.euros if unite_nd == "euros" else format_fr.nombre
        detail.append(
            f"{numerateur[0]} {f(ligne[numerateur[1]])} / {denominateur[0]} {f(ligne[denominateur[1]])}."
        )
    detail.append(f"Période : {format_fr.mois(mois)}.")
    c.carte(
        colonne, titre, texte, delta=mois_txt, aide="Écart avec le mois précédent.", detail=" ".join(detail)
    )


st.subheader(f"{zones[zone]}, {format_fr.mois(mois)}")
flux = par_mois(
    "taux_recouvrement_tc, montant_encaisse_tc, montant_attendu_tc, taux_recouvrement_tc_arrieres, "
    "montant_encaisse_tc_arrieres, montant_attendu_tc_arrieres, "
    "taux_recouvrement_total, montant_encaisse_total, "
    "montant_attendu_total, part_retenue_prestations, montant_encaisse_retenue_prestations, est_diffusable",
    "taux_recouvrement_flux_mensuel",
    "code_procedure = 'ENSEMBLE'",
)
glissant = par_mois(
    "taux_recouvrement_tc, montant_encaisse_tc, montant_attendu_tc, est_diffusable",
    "taux_recouvrement_glissant_12_mois",
    "code_procedure = 'ENSEMBLE'",
)
k1, k2, k3, k4 = st.columns(4)
carte(
    k1,
    "Taux du TC (flux, mois)",
    flux,
    "taux_recouvrement_tc",
    True,
    ("TC encaissé", "montant_encaisse_tc"),
    ("TC attendu", "montant_attendu_tc"),
)
carte(
    k2,
    "TC + arriérés (flux, mois)",
    flux,
    "taux_recouvrement_tc_arrieres",
    True,
    ("encaissé", "montant_encaisse_tc_arrieres"),
    ("attendu", "montant_attendu_tc_arrieres"),
)
carte(
    k3,
    "Toutes composantes (flux, mois)",
    flux,
    "taux_recouvrement_total",
    True,
    ("encaissé", "montant_encaisse_total"),
    ("attendu", "montant_attendu_total"),
)
carte(
    k4,
    "Taux du TC sur 12 mois glissants",
    glissant,
    "taux_recouvrement_tc",
    True,
    ("TC encaissé", "montant_encaisse_tc"),
    ("TC attendu", "montant_attendu_tc"),
)

# Additive counts of the month: the parts (types, stages, kinds) re-summed, never a rate averaged;
# a masked part makes the total masked.
stock = par_mois(
    "sum(procedures_actives) as valeur, bool_and(est_diffusable) as est_diffusable",
    "procedures_actives_mensuel",
    "code_procedure <> 'IF'",
    sommer=True,
)
entrees = par_mois(
    "sum(entrees) as valeur, sum(sorties) as sorties, bool_and(est_diffusable) as est_diffusable",
    "procedures_entrees_sorties_mensuel",
    "code_procedure <> 'IF'",
    sommer=True,
)
asf = par_mois(
    "sum(nombre_familles) as valeur, bool_and(est_diffusable) as est_diffusable",
    "asf_beneficiaires_mensuel",
    sommer=True,
    par_caf=True,
)
saisies = par_mois("saisies_actives as valeur, est_diffusable", "saisies_prestations_mensuel")
k5, k6, k7, k8 = st.columns(4)
carte(
    k5,
    "Procédures actives",
    stock,
    "valeur",
    False,
    quoi="Stock en fin de mois, tous types et stades, hors intermédiation financière (IF).",
)
carte(
    k6,
    "Procédures entrées",
    entrees,
    "valeur",
    False,
    quoi="Procédures engagées dans le mois, hors intermédiation financière.",
)
carte(
    k7,
    "Familles en ASF",
    asf,
    "valeur",
    False,
    quoi="Familles bénéficiaires de l'allocation de soutien familial, toutes natures.",
)
carte(
    k8, "Saisies actives", saisies, "valeur", False, quoi="Saisies sur prestations en cours en fin de mois."
)
k9, _, _, _ = st.columns(4)
carte(
    k9,
    "Encaissé par retenue",
    flux,
    "part_retenue_prestations",
    True,
    ("par retenue", "montant_encaisse_retenue_prestations"),
    ("tout encaissé", "montant_encaisse_total"),
)

# --- the two readings of the recovery rate, side by side -----------------------------------------
st.subheader("Les deux lectures du taux de recouvrement, côte à côte")
st.caption(
    "Elles ne mesurent pas la même chose : la lecture **flux** rapporte ce qui est encaissé à ce qui "
    "était attendu sur la période ; la lecture **financière** rapporte ce qui est recouvré dans l'année "
    "au stock de créances du 1er janvier plus les créances créées dans l'année. Ne pas les comparer "
    "entre elles."
)
filtre_annuel = "niveau = 'national'" if zone == "FR" else "niveau = ? and code_zone = ?"
parametres_annuel: tuple = () if zone == "FR" else ("caf", zone)  # créances count by the Caf holding the file
flux_annuel = lire(
    f"select annee, taux_recouvrement_tc, montant_encaisse_tc, montant_attendu_tc, nb_mois, est_diffusable "
    f"from marts.taux_recouvrement_flux_annuel where "
    f"{filtre_zone} and code_procedure = 'ENSEMBLE' order by annee",
    parametres_zone,
)
financier = lire(
    f"select annee, famille, taux_recouvrement_financier, montant_recouvre, stock_debut_annee, montant_cree, "
    f"montant_a_recouvrer, est_diffusable from marts.taux_recouvrement_financier_annuel where "
    f"{filtre_annuel} order by annee",
    parametres_annuel,
)
annees = sorted(set(flux_annuel["annee"]) & set(financier["annee"]))
if not annees:
    st.info("Aucune année publiée à la fois dans les deux lectures pour cette zone.")
    st.stop()
# The last complete year by default: the year of the latest month is usually partial.
complete = [a for a in annees if a < mois_publies[-1].year or mois_publies[-1].month == 12]
annee = c.choix_annee(annees, cle="annee", defaut=(complete or annees)[-1])


def annuel(tableau: pd.DataFrame, an: int, famille: str | None = None) -> pd.Series | None:
    t = tableau[tableau["annee"] == an]
    if famille is not None:
        t = t[t["famille"] == famille]
    return t.iloc[0] if len(t) else None


g, d, i = st.columns(3)
for colonne, titre, tableau, famille, taux, num, den in (
    (
        g,
        "Lecture flux : TC encaissé / TC attendu",
        flux_annuel,
        None,
        "taux_recouvrement_tc",
        ("TC encaissé", "montant_encaisse_tc"),
        ("TC attendu", "montant_attendu_tc"),
    ),
    (
        d,
        "Lecture financière : créances ARIPA",
        financier,
        "ARIPA",
        "taux_recouvrement_financier",
        ("recouvré", "montant_recouvre"),
        ("stock au 1er janvier + créé", "montant_a_recouvrer"),
    ),
    (
        i,
        "Lecture financière : indus de la Caf",
        financier,
        "INDUS",
        "taux_recouvrement_financier",
        ("recouvré", "montant_recouvre"),
        ("stock au 1er janvier + créé", "montant_a_recouvrer"),
    ),
):
    ligne, avant = annuel(tableau, annee, famille), annuel(tableau, annee - 1, famille)
    diffusable = ligne is not None and bool(ligne["est_diffusable"])
    valeur = c.valeur_ou_secret(ligne[taux] if ligne is not None else None, diffusable, format_fr.pourcentage)
    delta = None
    if diffusable and avant is not None and bool(avant["est_diffusable"]) and pd.notna(avant[taux]):
        delta = format_fr.points(float(ligne[taux]) - float(avant[taux]))
    detail = f"Année {annee} ; sur un an : {delta or format_fr.VIDE}."
    if diffusable:
        detail += (
            f" {num[0]} {format_fr.euros(float(ligne[num[1]]))} / {den[0]} "
            f"{format_fr.euros(float(ligne[den[1]]))}."
        )
    c.carte(colonne, titre, valeur, delta=delta, aide="Écart avec l'année précédente.", detail=detail)

c.source(
    [
        "taux_recouvrement_flux_mensuel",
        "taux_recouvrement_glissant_12_mois",
        "procedures_actives_mensuel",
        "procedures_entrees_sorties_mensuel",
        "asf_beneficiaires_mensuel",
        "saisies_prestations_mensuel",
        "taux_recouvrement_flux_annuel",
        "taux_recouvrement_financier_annuel",
    ],
    portee,
)
