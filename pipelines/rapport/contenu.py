"""What the report says: the published figures of `donnees`, compared and formatted in French.

Each headline figure is a mart value; its change on the month and on the year is the difference
between two published values (in points for a rate, in per cent for a count). A masked cell reads
« secret » wherever it appears, and so does any comparison that would need it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import pandas as pd

from pipelines import format_fr
from pipelines.prevision.rapport import lignes_synthese
from pipelines.rapport import donnees as d
from pipelines.rapport import graphiques
from pipelines.rapport.evaluation import EtatEvaluation, lire_evaluation
from pipelines.rapport.typographie import markdown_html

SANS_OBJET = "sans objet"
EXTRACTIONS = {
    "procedures": "Procédures (photographie)",
    "plan_recouvrement": "Plan de recouvrement",
    "versements": "Versements",
    "creances": "Créances (photographie)",
    "mouvements_creances": "Mouvements de créances",
    "remises_dettes": "Remises de dettes",
    "asf": "Bénéficiaires de l'ASF",
    "evenements": "Événements de saisie",
}
PORTEES = {
    "national": "Direction de l'Aripa (toutes les Caf)",
    "comite": "Comité de pilotage national de l'expérimentation GIPA",
}


@dataclass
class LigneIndicateur:
    libelle: str
    valeur: str
    variation_mois: str
    variation_annee: str
    definition: str  # numerator / denominator / period, in words with their values
    national: str | None = None  # the same figure for France entière (local committee's report)


@dataclass
class Contenu:
    titre: str
    periode: str
    portee: str
    zone: str
    mois_donnees: str
    produit_le: str
    intitule_variation_mois: str
    intitule_variation_annee: str
    indicateurs: list[LigneIndicateur]
    avec_national: bool
    graphique_taux: str
    graphique_stock: str | None  # None: every month of the series has a masked cell
    comparaison_titre: str
    comparaison_svg: str | None
    comparaison_note: str
    evaluation: EtatEvaluation
    graphique_etude: str | None
    qualite_fichiers: list[dict]
    qualite_regles: list[dict]
    qualite_note: str
    alertes: list[dict] = field(default_factory=list)
    alertes_note: str = ""
    courbes_svg: str | None = None
    courbes_note: str = ""
    retro_test: list[str] = field(default_factory=list)
    definitions: tuple[list[tuple[str, str]], list[dict]] = field(default_factory=lambda: ([], []))
    source: str = ""


def texte(v: d.Valeur, genre: str) -> str:
    if v.est_masque:
        return d.MASQUE
    if not v.connue:
        return format_fr.VIDE
    if genre == "taux":
        return format_fr.pourcentage(v.valeur)
    if genre == "euros":
        return format_fr.euros(v.valeur)
    return format_fr.nombre(v.valeur)


def variation(actuelle: d.Valeur, precedente: d.Valeur, genre: str) -> str:
    """A rate's change in points, a count's in per cent; « secret » if either side is masked."""
    if actuelle.est_masque or precedente.est_masque:
        return d.MASQUE
    if not actuelle.connue or not precedente.connue:
        return format_fr.VIDE
    if genre == "taux":
        return format_fr.points(actuelle.valeur - precedente.valeur)
    if precedente.valeur == 0:
        return format_fr.VIDE
    relative = actuelle.valeur / precedente.valeur - 1
    signe = "+" if relative > 0 else ""
    return f"{signe}{format_fr.pourcentage(relative)}"


def _definition_taux(t: d.Taux, numerateur: str, denominateur: str) -> str:
    return (
        f"{numerateur} {texte(t.numerateur, 'euros')} / {denominateur} {texte(t.denominateur, 'euros')} ; "
        f"période : {t.periode}"
    )


def de_mois(jour: date) -> str:
    """« de mars 2026 », « d'octobre 2026 » (elision before a vowel)."""
    nom = format_fr.mois(jour)
    return f"d'{nom}" if nom[0] in "aeiouéè" else f"de {nom}"


def produit_le(maintenant: datetime) -> str:
    jour = "1er" if maintenant.day == 1 else str(maintenant.day)
    return f"{jour} {format_fr.MOIS[maintenant.month - 1]} {maintenant.year} à {maintenant:%H:%M}"


def _indicateurs(
    con: duckdb.DuckDBPyConnection, zone: d.Zone, periode: d.Periode, fin: date
) -> list[LigneIndicateur]:
    """The headline figures of one zone: the period, the month (year) before and the year before."""
    lignes = []
    if periode.est_annuelle:
        prec_mois, prec_annee = None, d.Periode(periode.annee - 1)
    else:
        avant = d.mois_decale(periode.debut, -1)
        prec_mois = d.Periode(avant.year, avant.month)
        prec_annee = d.Periode(periode.annee - 1, periode.mois)

    def flux(p: d.Periode | None, perimetre: str) -> d.Taux | None:
        return None if p is None else d.taux_flux(con, zone, p, perimetre)

    for perimetre, libelle, num, den in (
        ("tc", "Taux de recouvrement du terme courant (flux)", "TC encaissé", "TC attendu"),
        ("tc_arrieres", "Taux de recouvrement TC + arriérés (flux)", "encaissé", "attendu"),
        ("total", "Taux de recouvrement toutes composantes (flux)", "encaissé", "attendu"),
    ):
        t = flux(periode, perimetre)
        tm, ta = flux(prec_mois, perimetre), flux(prec_annee, perimetre)
        lignes.append(
            LigneIndicateur(
                libelle,
                texte(t.taux, "taux"),
                SANS_OBJET if tm is None else variation(t.taux, tm.taux, "taux"),
                variation(t.taux, ta.taux, "taux"),
                _definition_taux(t, num, den),
            )
        )
    if not periode.est_annuelle:
        g = d.taux_glissant(con, zone, fin)
        gm = d.taux_glissant(con, zone, d.mois_decale(fin, -1))
        ga = d.taux_glissant(con, zone, d.mois_decale(fin, -12))
        lignes.append(
            LigneIndicateur(
                "Taux de recouvrement du TC sur douze mois glissants",
                texte(g.taux, "taux"),
                variation(g.taux, gm.taux, "taux"),
                variation(g.taux, ga.taux, "taux"),
                _definition_taux(g, "TC encaissé", "TC attendu") + f" finissant en {format_fr.mois(fin)}",
            )
        )
    annee = d.annee_financiere(con, zone, periode.annee)
    for famille, libelle in (
        ("ARIPA", "Taux de recouvrement réel ou financier (créances de pension)"),
        ("INDUS", "Taux de recouvrement des indus (financier)"),
    ):
        t = d.taux_financier(con, zone, annee, famille)
        ta = d.taux_financier(con, zone, None if annee is None else annee - 1, famille)
        lignes.append(
            LigneIndicateur(
                libelle,
                texte(t.taux, "taux"),
                SANS_OBJET,
                variation(t.taux, ta.taux, "taux"),
                _definition_taux(t, "recouvré", "stock au 1er janvier + créé dans l'année")
                + " (dernière année complète des mouvements de créances)",
            )
        )
    stock = d.procedures_actives(con, zone, fin)
    stock_m = d.procedures_actives(con, zone, d.mois_decale(fin, -1 if not periode.est_annuelle else -12))
    stock_a = d.procedures_actives(con, zone, d.mois_decale(fin, -12))
    lignes.append(
        LigneIndicateur(
            "Procédures de recouvrement actives (fin de mois, hors intermédiation)",
            texte(stock, "nombre"),
            SANS_OBJET if periode.est_annuelle else variation(stock, stock_m, "nombre"),
            variation(stock, stock_a, "nombre"),
            f"stock à la fin {de_mois(fin)}",
        )
    )
    debut = periode.debut
    entrees, sorties = d.entrees_sorties(con, zone, debut, fin)
    if periode.est_annuelle:
        e_m = s_m = None
        e_a, s_a = d.entrees_sorties(
            con, zone, date(periode.annee - 1, 1, 1), date(periode.annee - 1, fin.month, 1)
        )
    else:
        avant = d.mois_decale(debut, -1)
        e_m, s_m = d.entrees_sorties(con, zone, avant, avant)
        un_an = d.mois_decale(debut, -12)
        e_a, s_a = d.entrees_sorties(con, zone, un_an, un_an)
    quand = (
        f"{format_fr.mois(debut)} à {format_fr.mois(fin)}" if periode.est_annuelle else format_fr.mois(fin)
    )
    for libelle, v, vm, va in (
        ("Procédures engagées (hors intermédiation)", entrees, e_m, e_a),
        ("Procédures clôturées (hors intermédiation)", sorties, s_m, s_a),
    ):
        lignes.append(
            LigneIndicateur(
                libelle,
                texte(v, "nombre"),
                SANS_OBJET if vm is None else variation(v, vm, "nombre"),
                variation(v, va, "nombre"),
                f"période : {quand}",
            )
        )
    asf = d.familles_asf(con, zone, fin)
    lignes.append(
        LigneIndicateur(
            "Familles bénéficiaires de l'ASF (toutes natures)",
            texte(asf, "nombre"),
            SANS_OBJET
            if periode.est_annuelle
            else variation(asf, d.familles_asf(con, zone, d.mois_decale(fin, -1)), "nombre"),
            variation(asf, d.familles_asf(con, zone, d.mois_decale(fin, -12)), "nombre"),
            f"mois {de_mois(fin)}, par Caf qui verse l'ASF",
        )
    )
    return lignes


def _comparaison(con: duckdb.DuckDBPyConnection, info: d.DonneesRapport) -> tuple[str, str | None, str]:
    annee = d.annee_comparaison(con, info.periode.annee)
    axe = "rapport encaissé / attendu au taux national de ses dossiers (1 : comme la France)"
    if annee is None:
        return "Comparaison des Caf", None, "Aucune année de comparaison publiée."
    partielle = (
        ""
        if annee < info.mois_donnees.year
        else f" (année en cours, jusqu'à {format_fr.mois(info.mois_donnees)})"
    )
    if info.portee.type == "national":
        lignes = d.comparaison_standardisee(con, "caf_gestionnaire", annee)
        titre = f"Les Caf pivots comparées à structure de dossiers égale, {annee}{partielle}"
        note = (
            "Chaque Caf pivot (Caf gestionnaire) : TC encaissé rapporté au TC qu'elle aurait encaissé "
            "aux taux nationaux de ses strates de dossiers (type de procédure, ancienneté de la dette, "
            "prestations du débiteur), avec son intervalle de confiance à 95 %. Au-dessus de 1 : mieux "
            "que ses dossiers ne le laissent prévoir. Source : comparaison_cafs_standardisee_annuelle."
        )
        return titre, graphiques.comparaison_ratios(lignes, axe), note
    if info.portee.type == "comite":
        lignes = d.comparaison_standardisee(con, "region", annee)
        titre = f"Les régions comparées à structure de dossiers égale, {annee}{partielle}"
        note = (
            "Le fichier du comité ne détaille pas les Caf : les régions (Caf de résidence) y sont comparées "
            "sur le même rapport standardisé, avec leur intervalle de confiance à 95 %. Source : "
            "comparaison_cafs_standardisee_annuelle."
        )
        return titre, graphiques.comparaison_ratios(lignes, axe), note
    lignes = d.comparaison_standardisee(con, info.zone.niveau, annee)
    lignes = lignes[lignes["code_zone"] == info.zone.code]
    reseau = d.comparaison_reseau(con, info.zone.code, annee)
    note = f"{info.zone.libelle} : rapport standardisé et son intervalle de confiance à 95 %."
    if reseau is not None and bool(reseau["est_diffusable"]):
        note += (
            f" Taux du TC {format_fr.pourcentage(reseau['taux_recouvrement_tc'])} ; Caf de taille comparable "
            f"({int(reseau['nb_cafs_comparables'])} Caf, sans les nommer) : "
            f"{format_fr.pourcentage(reseau['taux_recouvrement_tc_comparables'])} ; réseau "
            f"({int(reseau['nb_cafs_reseau'])} Caf) : premier quartile "
            f"{format_fr.pourcentage(reseau['reseau_premier_quartile'])}, médiane "
            f"{format_fr.pourcentage(reseau['reseau_mediane'])}, troisième quartile "
            f"{format_fr.pourcentage(reseau['reseau_troisieme_quartile'])}."
        )
    elif reseau is not None:
        note += f" Comparaison avec le réseau : {d.MASQUE}."
    titre = f"{info.zone.libelle} face au réseau, {annee}{partielle}"
    return titre, graphiques.comparaison_ratios(lignes, axe), note


def _qualite(con: duckdb.DuckDBPyConnection, info: d.DonneesRapport) -> tuple[list[dict], list[dict], str]:
    absents = [
        t for t in ("qualite_fichiers_recus", "qualite_quarantaine_regles") if f"marts.{t}" not in info.tables
    ]
    if absents:
        return (
            [],
            [],
            f"Absent du fichier publié : {', '.join(absents)} ; relancer `aripa build`.",
        )
    debut, fin = info.periode.debut, info.periode.fin
    ensemble, regles = d.qualite(con, debut, fin)
    fichiers = [
        {
            "extraction": EXTRACTIONS.get(r.extraction, r.extraction),
            "recus": format_fr.nombre(r.fichiers_recus),
            "charges": format_fr.nombre(r.fichiers_charges),
            "a_verifier": format_fr.nombre(r.fichiers_a_verifier),
            "refuses": format_fr.nombre(r.fichiers_refuses),
            "remplaces_retires": format_fr.nombre(r.fichiers_remplaces + r.fichiers_retires),
            "lues": format_fr.nombre(r.lignes_lues),
            "chargees": format_fr.nombre(r.lignes_chargees),
            "quarantaine": format_fr.nombre(r.lignes_quarantaine),
        }
        for r in ensemble.itertuples()
    ]
    par_regle = [
        {
            "extraction": EXTRACTIONS.get(r.extraction, r.extraction),
            "regle": r.regle,
            "lignes": format_fr.nombre(r.lignes_quarantaine),
            "champs": format_fr.nombre(r.champs_en_defaut),
        }
        for r in regles.itertuples()
    ]
    total_q = int(ensemble["lignes_quarantaine"].sum()) if not ensemble.empty else 0
    total_l = int(ensemble["lignes_lues"].sum()) if not ensemble.empty else 0
    quand = f"l'année {info.periode.annee}" if info.periode.est_annuelle else format_fr.mois(debut)
    note = (
        f"Fichiers couvrant {quand} : {format_fr.nombre(total_l)} lignes lues, "
        f"{format_fr.nombre(total_q)} en quarantaine (lues = chargées + en quarantaine). "
        "Les photographies (procédures, créances) sont envoyées une fois, pour leur mois. "
        "Sources : qualite_fichiers_recus et qualite_quarantaine_regles (raw.manifeste et "
        "raw.quarantaine), celles de la page Qualité des données ; une extraction sans fichier pour "
        "la période compte 0 fichier."
    )
    return fichiers, par_regle, note


TYPES_ALERTE = {
    "derive_caf": "Caf qui s'écarte de son niveau attendu",
    "quarantaine": "Part de lignes en quarantaine en hausse",
    "prescription": "Créances prescrites dans les 6 mois",
    "saisie_4e_defail": "Saisies à un DEFAIL de leur clôture",
}


SERIES_PREVUES = {
    "procedures_actives": "Stock de procédures actives",
    "montant_attendu": "Montants attendus",
    "montant_encaisse": "Montants encaissés",
}


def _chiffre_alerte(r: pd.Series) -> str:
    """The figure behind an alert, in the unit its mart gives."""
    if r["unite"] == "ratio":
        return (
            f"ratio {format_fr.nombre(r['valeur'], 2)} pour {format_fr.nombre(r['valeur_reference'], 2)} "
            f"habituellement (écart réduit {format_fr.nombre(r['ecart_reduit'], 1)})"
        )
    if r["unite"] == "part":
        return (
            f"{format_fr.pourcentage(r['valeur'])} pour "
            f"{format_fr.pourcentage(r['valeur_reference'])} habituellement"
        )
    morceaux = []
    if pd.notna(r["nombre"]):
        quoi = " saisie" if r["unite"] == "saisies" else " créance"
        quoi += "s" if r["nombre"] > 1 else ""
        morceaux.append(format_fr.nombre(r["nombre"]) + quoi)
    if pd.notna(r["montant"]):
        morceaux.append(format_fr.euros(r["montant"], 2))
    return ", ".join(morceaux) or format_fr.nombre(r["valeur"])


def _perspectives(
    con: duckdb.DuckDBPyConnection, info: d.DonneesRapport, zone: d.Zone, fin: date
) -> tuple[list[dict], str, str | None, str, list[str]]:
    """Chapter 6 (issue 20): the month's alert list, the recovery curves by cohort, the forecasts'
    back-test; each read from its mart or the published schema prevision."""
    alertes: list[dict] = []
    note = "Le mart alertes_mensuelles n'est pas dans le fichier publié : relancer `aripa build`."
    if "marts.alertes_mensuelles" in info.tables:
        lignes = d.alertes(con, fin)
        masquees = int((~lignes["est_diffusable"].astype(bool)).sum()) if not lignes.empty else 0
        for _, r in lignes[lignes["est_diffusable"].astype(bool)].iterrows():
            alertes.append(
                {
                    "type": TYPES_ALERTE.get(r["type_alerte"], r["type_alerte"]),
                    "zone": r["libelle_zone"],
                    "motif": r["motif"],
                    "chiffre": _chiffre_alerte(r),
                }
            )
        note = (
            f"{format_fr.nombre(len(alertes))} alerte(s) levée(s) en {format_fr.mois(fin)} par les règles "
            "du mart alertes_mensuelles (carte de contrôle du ratio observé / attendu, hausse de la "
            "quarantaine, créances proches de la prescription, saisies après leur 3e DEFAIL)."
        )
        if masquees:
            note += (
                f" {format_fr.nombre(masquees)} cellule(s) soumise(s) au secret statistique "
                "ne sont pas listées."
            )
    courbes_svg: str | None = None
    courbes_note = "Le mart courbes_recouvrement_cohortes n'est pas dans le fichier publié."
    if "marts.courbes_recouvrement_cohortes" in info.tables:
        courbes = d.courbes_cohortes(con, zone)
        propres = courbes[(courbes["niveau"] == zone.niveau) & courbes["est_diffusable"].astype(bool)]
        if not propres.empty:
            courbes_svg = graphiques.courbes_cohortes(propres)
            courbes_note = (
                f"{zone.libelle} : part du montant dû (toutes composantes) recouvrée après 1, 3, 6, 12 et "
                "24 mois de vie de la procédure, par année d'engagement ; un horizon que toute la cohorte "
                "n'a pas encore atteint, ou soumis au secret, n'est pas tracé."
            )
        else:
            courbes_note = f"Courbes de {zone.libelle} : soumises au secret statistique ou absentes."
    retro: list[str] = []
    try:
        synthese = con.execute("select * from prevision.retro_synthese").df()
        synthese["serie"] = synthese["serie"].map(lambda serie: SERIES_PREVUES.get(serie, serie))
        retro = lignes_synthese(synthese)
    except duckdb.CatalogException:  # `aripa forecast` not run: the chapter says so
        pass
    return alertes, note, courbes_svg, courbes_note, retro


def _definitions(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple[str, str]], list[dict]]:
    """Each mart's documentation; a column documented the same way in three marts or more (the
    zone columns, the secrecy flags) is given once, as a common column, not in every mart."""
    marts = d.definitions(con)
    compte: dict[tuple[str, str], int] = {}
    for _, _, colonnes in marts:
        for paire in colonnes:
            compte[paire] = compte.get(paire, 0) + 1
    communes = {paire for paire, n in compte.items() if n >= 3}
    premieres: dict[str, str] = {}
    for (nom, texte), _n in sorted(compte.items()):
        if (nom, texte) in communes:
            premieres.setdefault(nom, texte)
    return (
        [(nom, markdown_html(texte)) for nom, texte in premieres.items()],
        [
            {
                "table": table,
                "html": markdown_html(commentaire),
                "colonnes": [(c, markdown_html(t)) for c, t in colonnes if (c, t) not in communes],
                "communes": [c for c, t in colonnes if (c, t) in communes],
            }
            for table, commentaire, colonnes in marts
        ],
    )


def _graphique_stock(con: duckdb.DuckDBPyConnection, zone: d.Zone, fin: date) -> str | None:
    serie = d.serie_stock(con, zone)
    if serie["actives"].notna().sum() == 0:
        return None
    return graphiques.tendance_stock([(zone.libelle, serie)], d.JALONS, fin)


def assembler(con: duckdb.DuckDBPyConnection, info: d.DonneesRapport, maintenant: datetime) -> Contenu:
    periode, zone = info.periode, info.zone
    fin = info.mois_couverts[-1]  # an annual report ends at the last month with data
    indicateurs = _indicateurs(con, zone, periode, fin)
    avec_national = info.portee.type == "caf"
    if avec_national:
        nationaux = _indicateurs(con, d.Zone("national", "FR", "France entière", "national"), periode, fin)
        for ligne, nat in zip(indicateurs, nationaux, strict=True):
            ligne.national = nat.valeur
    series_taux = [(zone.libelle, d.serie_flux(con, zone))]
    if avec_national:
        series_taux.append(
            ("France entière", d.serie_flux(con, d.Zone("national", "FR", "France entière", "national")))
        )
    comparaison_titre, comparaison_svg, comparaison_note = _comparaison(con, info)
    evaluation = lire_evaluation(con, info.tables)
    etude = None
    if (
        evaluation.disponible
        and evaluation.etude_evenement is not None
        and not evaluation.etude_evenement.empty
    ):
        etude = graphiques.etude_evenement(evaluation.etude_evenement)
    fichiers, regles, note_qualite = _qualite(con, info)
    alertes, alertes_note, courbes_svg, courbes_note, retro = _perspectives(con, info, zone, fin)
    if periode.est_annuelle:
        libelle_periode = f"Année {periode.annee}"
        if len(info.mois_couverts) < 12:
            libelle_periode += f" ({de_mois(info.mois_couverts[0])} à {format_fr.mois(fin)})"
        titre = "Rapport annuel intermédiaire du comité de pilotage"
    else:
        libelle_periode = format_fr.mois(periode.debut).capitalize()
        titre = "Rapport mensuel du comité de pilotage"
    if info.portee.type == "caf":
        portee = f"Comité local de pilotage — {zone.libelle}"
    else:
        portee = PORTEES[info.portee.type]
    return Contenu(
        titre=titre,
        periode=libelle_periode,
        portee=portee,
        zone=zone.libelle,
        mois_donnees=format_fr.mois(info.mois_donnees),
        produit_le=produit_le(maintenant),
        intitule_variation_mois="sur l'année précédente" if periode.est_annuelle else "sur le mois",
        intitule_variation_annee="sur l'année" if not periode.est_annuelle else "sur l'année précédente",
        indicateurs=indicateurs,
        avec_national=avec_national,
        graphique_taux=graphiques.tendance_taux(series_taux, d.JALONS, fin),
        graphique_stock=_graphique_stock(con, zone, fin),
        comparaison_titre=comparaison_titre,
        comparaison_svg=comparaison_svg,
        comparaison_note=comparaison_note,
        evaluation=evaluation,
        graphique_etude=etude,
        qualite_fichiers=fichiers,
        qualite_regles=regles,
        qualite_note=note_qualite,
        alertes=alertes,
        alertes_note=alertes_note,
        courbes_svg=courbes_svg,
        courbes_note=courbes_note,
        retro_test=retro,
        definitions=_definitions(con),
        source=(
            f"{info.fichier_publie.name}, publié le "
            f"{pd.Timestamp(info.publie_le, unit='s'):%d/%m/%Y à %H:%M} UTC"
        ),
    )
