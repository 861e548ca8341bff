"""Every dashboard page, run with Streamlit's AppTest on the demo build, in each reader scope.

The reader's scope comes from a readers' file (`$ARIPA_LECTEURS`) whose `sans_connexion` entry is
the scope under test: the page then opens that scope's published file and no other. Values are
checked against the published marts (read here with plain SQL), recomputed from their numerator
and denominator where the page shows both.

`ARIPA_PAGES_DONNEES=<data dir of a demo build>` runs these tests on an existing build instead of
the session's `demo` fixture (a quick loop while editing the pages).
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.composants import LIBELLES_PROCEDURES
from pipelines import format_fr
from tests.conftest import requete

APP = str(Path(__file__).resolve().parents[1] / "dashboards" / "app.py")
VUES = Path(__file__).resolve().parents[1] / "dashboards" / "vues"
# The pilot whose isolation is tested, and the other Caf (its name must never show).
CAF, AUTRE_CAF, NOM_AUTRE_CAF = "311", "331", "Gironde"

pytestmark = pytest.mark.demo  # reads the demo build (shared by the workers: tests/conftest.py)


@pytest.fixture(scope="module")
def donnees(request) -> Path:
    existant = os.environ.get("ARIPA_PAGES_DONNEES")
    if existant:
        return Path(existant)
    return request.getfixturevalue("demo")["donnees"]


def publie(donnees: Path, portee: str) -> Path:
    nom = f"caf_{portee[4:]}" if portee.startswith("caf:") else portee
    return donnees / "warehouse" / "publication" / f"{nom}.duckdb"


def ouvrir(
    monkeypatch, tmp_path: Path, donnees: Path, portee: str, page: str | None = None, **parametres: str
) -> AppTest:
    """The app as a reader of `portee` sees it, on `page` (None: the default page), with the URL's
    query parameters `parametres`."""
    lecteurs = tmp_path / f"lecteurs_{portee.replace(':', '_')}.toml"
    lecteurs.write_text(f'[sans_connexion]\nportee = "{portee}"\n', encoding="utf-8")
    monkeypatch.setenv("ARIPA_LECTEURS", str(lecteurs))
    monkeypatch.setenv("ARIPA_DATA_DIR", str(donnees))
    at = AppTest.from_file(APP, default_timeout=120)
    if page is not None:  # opened directly, as a shared URL is: the page's first run reads the URL
        at.switch_page(f"vues/{page}.py")
    at.query_params.update(parametres)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texte_complet(at: AppTest) -> str:
    """Everything the page sends to the browser, as text: elements, tables, charts, options."""
    morceaux = []
    for noeud in at._tree:
        proto = getattr(noeud, "proto", None)
        if proto is not None:
            morceaux.append(str(proto))
    for tableau in at.dataframe:
        morceaux.append(tableau.value.to_csv())
    return "\n".join(morceaux)


def metriques(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


# --- every page, every scope ---------------------------------------------------------------------

PAGES = sorted(p.stem for p in VUES.glob("*.py"))
PORTEES = ["national", "comite", f"caf:{AUTRE_CAF}"]


@pytest.mark.parametrize("portee", PORTEES)
@pytest.mark.parametrize("page", PAGES)
def test_chaque_page_s_affiche_en_francais_dans_chaque_portee(page, portee, donnees, monkeypatch, tmp_path):
    if (page == "comparer_cafs") == portee.startswith("caf") and page in ("comparer_cafs", "ma_caf"):
        # Not in this reader's navigation (« Comparer les Caf » names other Cafs, « Ma Caf » is a
        # pilot's): its address serves the default page instead.
        at = ouvrir(monkeypatch, tmp_path, donnees, portee, page)
        assert at.title[0].value == "Synthèse du mois"
        return
    at = ouvrir(monkeypatch, tmp_path, donnees, portee, page)
    assert at.title, "chaque page a un titre"
    texte = texte_complet(at)
    for anglais in ("Page not found", "Traceback", "NaN", "None %"):
        assert anglais not in texte, f"{page} ({portee}) : « {anglais} »"


def test_la_synthese_est_la_page_par_defaut_de_chaque_portee(donnees, monkeypatch, tmp_path):
    for portee in PORTEES:
        assert ouvrir(monkeypatch, tmp_path, donnees, portee).title[0].value == "Synthèse du mois"


# --- Synthèse du mois ----------------------------------------------------------------------------


def test_la_synthese_montre_le_dernier_mois_avec_numerateur_denominateur_et_evolutions(
    donnees, monkeypatch, tmp_path
):
    at = ouvrir(monkeypatch, tmp_path, donnees, "national")
    base = publie(donnees, "national")
    lignes = requete(
        base,
        "select mois, taux_recouvrement_tc, montant_encaisse_tc, montant_attendu_tc "
        "from marts.taux_recouvrement_flux_mensuel where niveau = 'national' and code_procedure = 'ENSEMBLE' "
        "order by mois desc limit 13",
    )
    mois, taux, encaisse, attendu = lignes[0]
    # The rate, recomputed here from its numerator and denominator, as the card shows it.
    assert metriques(at)["Taux du TC (flux, mois)"] == format_fr.pourcentage(float(encaisse) / float(attendu))
    assert at.subheader[0].value == f"France entière, {format_fr.mois(mois)}"
    legendes = " ".join(c.value for c in at.caption)
    assert (
        f"TC encaissé {format_fr.euros(float(encaisse))} / TC attendu {format_fr.euros(float(attendu))}"
        in legendes
    )
    assert f"sur un mois : {format_fr.points(taux - lignes[1][1])}" in legendes.replace("Sur", "sur")
    assert f"sur un an : {format_fr.points(taux - lignes[12][1])}" in legendes
    stock = requete(
        base,
        "select sum(procedures_actives) from marts.procedures_actives_mensuel "
        f"where niveau = 'national' and code_procedure <> 'IF' and mois = date '{mois}'",
    )[0][0]
    assert metriques(at)["Procédures actives"] == format_fr.nombre(stock)


def test_la_synthese_met_les_deux_lectures_du_taux_cote_a_cote(donnees, monkeypatch, tmp_path):
    at = ouvrir(monkeypatch, tmp_path, donnees, "national", None, annee="2023")
    base = publie(donnees, "national")
    (flux,) = requete(
        base,
        "select montant_encaisse_tc / montant_attendu_tc from marts.taux_recouvrement_flux_annuel "
        "where niveau = 'national' and code_procedure = 'ENSEMBLE' and annee = 2023",
    )[0]
    (financier,) = requete(
        base,
        "select montant_recouvre / (stock_debut_annee + montant_cree) from "
        "marts.taux_recouvrement_financier_annuel "
        "where niveau = 'national' and famille = 'ARIPA' and annee = 2023",
    )[0]
    m = metriques(at)
    assert m["Lecture flux : TC encaissé / TC attendu"] == format_fr.pourcentage(float(flux))
    assert m["Lecture financière : créances ARIPA"] == format_fr.pourcentage(float(financier))
    assert m["Lecture flux : TC encaissé / TC attendu"] != m["Lecture financière : créances ARIPA"]


def test_la_synthese_d_un_pilote_montre_sa_caf(donnees, monkeypatch, tmp_path):
    at = ouvrir(monkeypatch, tmp_path, donnees, f"caf:{AUTRE_CAF}")
    base = publie(donnees, f"caf:{AUTRE_CAF}")
    mois, taux, nom = requete(
        base,
        "select mois, taux_recouvrement_tc, libelle_zone from marts.taux_recouvrement_flux_mensuel "
        f"where niveau = 'caf_gestionnaire' and code_zone = '{AUTRE_CAF}' and code_procedure = 'ENSEMBLE' "
        "order by mois desc limit 1",
    )[0]
    assert at.subheader[0].value == f"{nom}, {format_fr.mois(mois)}"
    assert metriques(at)["Taux du TC (flux, mois)"] == format_fr.pourcentage(taux)


# --- Comparer les Caf ----------------------------------------------------------------------------


def test_comparer_les_caf_liste_pivots_et_participantes_classes_par_valeur(donnees, monkeypatch, tmp_path):
    at = ouvrir(
        monkeypatch, tmp_path, donnees, "national", "comparer_cafs", niveau="Caf de résidence", annee="2025"
    )
    base = publie(donnees, "national")
    attendues = requete(
        base,
        "select libelle_zone, ratio_observe_attendu, ratio_ic95_bas, ratio_ic95_haut, est_diffusable "
        "from marts.comparaison_cafs_standardisee_annuelle where niveau = 'caf_residence' and annee = 2025",
    )
    tableau = at.dataframe[0].value
    assert len(tableau) == len(attendues) > 90  # every Caf de résidence, pivots and participantes
    assert set(tableau["Rôle"]) >= {"pivot", "participante"}
    ratios = tableau["Observé / attendu"]
    assert pd.api.types.is_numeric_dtype(ratios)  # numbers sort as numbers, never as text
    publies = ratios.dropna().tolist()
    assert publies == sorted(publies, reverse=True)
    assert tableau["Rang"].dropna().tolist() == list(range(1, len(publies) + 1))
    # Outliers, found here from the published interval: exactly those the page flags.
    hors = {n for n, _, b, h, ok in attendues if ok and b is not None and (b > 1 or h < 1)}
    signalees = set(
        tableau.loc[
            tableau["Écart"].isin(["au-dessus de l'attendu", "en dessous de l'attendu"]), "Caf de résidence"
        ]
    )
    assert signalees == hors and hors
    assert any(nom in at.warning[0].value for nom in hors)
    # Masked Cafs stay in the table, without a rank.
    masquees = {n for n, *_, ok in attendues if not ok}
    assert masquees <= set(tableau["Caf de résidence"])


def test_comparer_les_caf_par_gestionnaire_montre_les_25_qui_gerent(donnees, monkeypatch, tmp_path):
    at = ouvrir(
        monkeypatch, tmp_path, donnees, "national", "comparer_cafs", niveau="Caf gestionnaire", annee="2025"
    )
    assert len(at.dataframe[0].value) == 25  # 24 Caf pivots and the MSA manage cases


def test_le_comite_compare_les_departements_sur_une_carte_en_tuiles(donnees, monkeypatch, tmp_path):
    at = ouvrir(monkeypatch, tmp_path, donnees, "comite", "comparer_cafs", niveau="Département", annee="2025")
    assert at.radio[0].options == ["Département", "Région"]  # no Caf in the committee's file
    graphiques = at.get("plotly_chart")
    assert len(graphiques) == 2  # the ranking and the tile grid
    assert len(at.dataframe[0].value) == 101


# --- other pages ---------------------------------------------------------------------------------


def test_procedures_stock_du_mois_par_type_et_stade(donnees, monkeypatch, tmp_path):
    at = ouvrir(
        monkeypatch,
        tmp_path,
        donnees,
        "national",
        "procedures",
        mois="décembre 2025",
        periode=["janv. 2024", "déc. 2025"],
    )
    base = publie(donnees, "national")
    attendu = requete(
        base,
        "select code_procedure, stade, procedures_actives, "
        "actives_24_mois_et_plus from marts.procedures_actives_mensuel "
        "where niveau = 'national' and mois = date '2025-12-01' order by code_procedure, stade",
    )
    tableau = at.dataframe[0].value
    assert tableau["Procédures actives"].tolist() == [a[2] for a in attendu]
    assert tableau["24 mois et plus"].tolist() == [a[3] for a in attendu]
    assert "Recouvrement amiable (RA)" in set(tableau["Type de procédure"])


def test_remises_par_strate_et_ecart_entre_caf(donnees, monkeypatch, tmp_path):
    at = ouvrir(
        monkeypatch,
        tmp_path,
        donnees,
        "national",
        "remises",
        annee="2024",
        instance="Commission de recours amiable (CRA)",
    )
    base = publie(donnees, "national")
    (nombre,) = requete(
        base,
        "select count(*) from marts.remises_dettes_annuel where niveau = "
        "'national' and annee = 2024 and instance = 'CRA'",
    )[0]
    assert len(at.dataframe[0].value) == nombre
    mediane = requete(base, "select mediane from marts.remises_dettes_dispersion_cafs where annee = 2024")[0][
        0
    ]
    dispersion = at.dataframe[1].value
    assert dispersion.loc[dispersion["Année"] == "2024", "Médiane"].iloc[0] == pytest.approx(mediane)


def test_creances_et_prescription(donnees, monkeypatch, tmp_path):
    at = ouvrir(monkeypatch, tmp_path, donnees, "national", "creances", famille="Créances de pension (ARIPA)")
    base = publie(donnees, "national")
    mois, recouvre = requete(
        base,
        "select mois, montant_recouvre from marts.creances_mouvements_mensuel "
        "where niveau = 'national' and famille = 'ARIPA' order by mois desc limit 1",
    )[0]
    tableau = at.dataframe[0].value
    assert tableau["Mois"].iloc[0] == format_fr.mois_court(mois)
    assert float(tableau["Montant recouvré"].iloc[0]) == pytest.approx(float(recouvre))


def test_asf_par_nature(donnees, monkeypatch, tmp_path):
    at = ouvrir(monkeypatch, tmp_path, donnees, "national", "asf_saisies")
    base = publie(donnees, "national")
    mois, familles = requete(
        base,
        "select mois, nombre_familles from marts.asf_beneficiaires_mensuel where niveau = 'national' "
        "and nature_asf = 'C' order by mois desc limit 1",
    )[0]
    tableau = at.dataframe[0].value
    ligne = tableau[
        (tableau["Mois"] == format_fr.mois_court(mois)) & (tableau["Nature"] == "ASF complémentaire")
    ]
    assert ligne["Familles"].iloc[0] == familles


def test_ma_caf_face_au_reseau_et_aux_caf_comparables(donnees, monkeypatch, tmp_path):
    at = ouvrir(monkeypatch, tmp_path, donnees, f"caf:{AUTRE_CAF}", "ma_caf")
    base = publie(donnees, f"caf:{AUTRE_CAF}")
    annee, taux, comparables = requete(
        base,
        "select annee, taux_recouvrement_tc, taux_recouvrement_tc_comparables "
        "from marts.comparaison_reseau_cafs_annuelle "
        "order by annee desc limit 1",
    )[0]
    tableau = at.dataframe[0].value
    assert tableau["Année"].iloc[0] == str(annee)
    assert tableau["Ma Caf"].iloc[0] == pytest.approx(taux)
    assert tableau["Caf comparables"].iloc[0] == pytest.approx(comparables)


def test_gipa_montre_l_effet_sa_lecture_et_les_series(donnees, monkeypatch, tmp_path):
    at = ouvrir(monkeypatch, tmp_path, donnees, "comite", "evaluation_gipa")
    base = publie(donnees, "comite")
    estimation, bas, haut = requete(
        base,
        "select estimation, ic95_bas, ic95_haut from evaluation.gipa_resultats "
        "where resultat = 'taux_recouvrement_tc' and groupe_temoin = 'tous_non_experimentaux' "
        "and methode = 'twfe_randomisation'",
    )[0]
    assert metriques(at)["Effet estimé"] == format_fr.points(estimation)
    lecture = at.info[0].value
    assert format_fr.intervalle(bas, haut, "points de taux") in lecture
    assert ("exclut zéro" in lecture) == (bas > 0 or haut < 0)
    assert not at.warning  # neither the pre-trend test nor the placebo rejects on the TC rate
    assert len(at.get("plotly_chart")) == 3  # event study, treated vs control, by département


LIBELLE_ARRIERES = "Arriérés de pension encaissés sur les paiements directs (PDE)"


def test_gipa_avertit_quand_le_test_des_pre_tendances_rejette(donnees, monkeypatch, tmp_path):
    base = publie(donnees, "national")
    assert requete(
        base,
        "select distinct libelle_resultat from evaluation.gipa_resultats where "
        "resultat = 'arrieres_pde_encaisses'",
    ) == [(LIBELLE_ARRIERES,)]
    (p,) = requete(
        base,
        "select p_valeur from evaluation.gipa_resultats where resultat = 'arrieres_pde_encaisses' "
        "and groupe_temoin = 'tous_non_experimentaux' and methode = 'etude_evenement_pre_tendance'",
    )[0]
    at = ouvrir(monkeypatch, tmp_path, donnees, "national", "evaluation_gipa", resultat=LIBELLE_ARRIERES)
    avertissements = " ".join(w.value for w in at.warning)
    assert ("pré-tendances" in avertissements) == (p < 0.05)


def test_gipa_est_hors_de_la_portee_d_un_pilote_local(donnees, monkeypatch, tmp_path):
    at = ouvrir(monkeypatch, tmp_path, donnees, f"caf:{CAF}", "evaluation_gipa")
    assert "hors de votre portée" in at.info[0].value
    assert not at.metric


def test_definitions_servies_depuis_le_fichier_publie(donnees, monkeypatch, tmp_path):
    (commentaire,) = requete(
        publie(donnees, "national"),
        "select comment from duckdb_tables() where schema_name = 'marts' "
        "and table_name = 'taux_recouvrement_financier_annuel'",
    )[0]
    titre = commentaire.split("**")[1]  # the bold words opening the dbt description
    at = ouvrir(
        monkeypatch,
        tmp_path,
        donnees,
        "national",
        "definitions",
        mart=f"{titre} (taux_recouvrement_financier_annuel)",
    )
    assert at.subheader[0].value == titre
    assert commentaire.strip()[:200] in at.markdown[0].value
    colonnes = at.dataframe[0].value
    assert "taux_recouvrement_financier" in set(colonnes["Colonne"])
    source = (VUES / "definitions.py").read_text(encoding="utf-8")
    assert "components" not in source and "http" not in source  # nothing embedded, nothing fetched


def test_la_qualite_des_donnees_compte_fichiers_et_validations(donnees, monkeypatch, tmp_path):
    at = ouvrir(
        monkeypatch, tmp_path, donnees, f"caf:{AUTRE_CAF}", "qualite", periode=["oct. 2026", "oct. 2026"]
    )
    base = publie(donnees, f"caf:{AUTRE_CAF}")
    (versions,) = requete(
        base,
        "select sum(nb_versions_recues) from marts.qualite_fichiers_recus "
        "where mois_couvert = date '2026-10-01'",
    )[0]
    assert metriques(at)["Versions de fichiers reçues"] == format_fr.nombre(versions)
    fraicheur = at.dataframe[0].value
    assert set(fraicheur["Extraction"]) == {
        e for (e,) in requete(base, "select extraction from marts.qualite_fraicheur_extractions")
    }


# --- a local pilot gets nothing of another Caf --------------------------------------------------

PAGES_PILOTE = [
    "synthese",
    "ma_caf",
    "taux_recouvrement",
    "procedures",
    "remises",
    "creances",
    "asf_saisies",
    "qualite",
]


@pytest.mark.parametrize("zone", [AUTRE_CAF, "Caf de la Gironde"])  # a code or the label a shared URL holds
@pytest.mark.parametrize("page", PAGES_PILOTE)
def test_un_pilote_n_obtient_rien_d_une_autre_caf_par_l_adresse(page, zone, donnees, monkeypatch, tmp_path):
    at = ouvrir(monkeypatch, tmp_path, donnees, f"caf:{CAF}", page, zone=zone, niveau="Caf gestionnaire")
    if page not in (
        "qualite",
        "comparer_cafs",
    ):  # no zone there / not served to a pilot (its figures are the network's files)
        assert any(
            f"« {zone} » demandée" in e.value and "pas dans votre portée" in e.value for e in at.error
        ), page
    # Nothing else of that Caf anywhere on the page: the message aside, neither its name nor its code.
    texte = texte_complet(at).replace(f"« {zone} »", "")
    assert NOM_AUTRE_CAF not in texte
    assert f"'{AUTRE_CAF}'" not in texte and f'"{AUTRE_CAF}"' not in texte


@pytest.mark.parametrize("page", ["synthese", "procedures", "creances", "asf_saisies", "remises"])
def test_les_filtres_d_un_pilote_ne_proposent_que_sa_caf(page, donnees, monkeypatch, tmp_path):
    at = ouvrir(monkeypatch, tmp_path, donnees, f"caf:{CAF}", page)
    for liste in at.selectbox:
        if liste.label in ("Zone", "Caf", "Caf gestionnaire", "Caf de résidence"):
            assert set(liste.options) <= {"France entière", "Caf de la Haute-Garonne"}, liste.options
    assert NOM_AUTRE_CAF not in texte_complet(at)


def test_le_fichier_d_un_pilote_ne_contient_aucune_autre_caf(donnees):
    """What the downloads and every page of a pilot can show comes from this file only."""
    base = publie(donnees, f"caf:{CAF}")
    tables = requete(base, "select schema_name, table_name from duckdb_tables()")
    for schema, table in tables:
        colonnes = {
            c
            for (c,) in requete(
                base, f"select column_name from duckdb_columns() where table_name = '{table}'"
            )
        }
        if "code_zone" in colonnes:
            autres = requete(
                base,
                f"select count(*) from {schema}.{table} where type_zone = 'caf' and code_zone <> '{CAF}'",
            )[0][0]
            assert autres == 0, table


def test_mois_repere_de_l_axe(donnees, monkeypatch, tmp_path):
    at = ouvrir(
        monkeypatch, tmp_path, donnees, "national", "taux_recouvrement", periode=["janv. 2014", "déc. 2017"]
    )
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    textes = {a["text"] for a in figure["layout"]["annotations"]}
    assert textes == {"GIPA (oct. 2014)", "Généralisation (avr. 2016)", "Référentiel (oct. 2017)"}  # not 2020


def test_definitions_du_mart_dans_le_fichier_excel():
    from io import BytesIO

    from dashboards import telechargement

    donnees = pd.DataFrame(
        {
            "Zone": ["Caf de l'Ain", "Caf de l'Aisne"],
            "Taux": [0.6543, None],
            "Secret statistique": ["", "secret"],
        }
    )
    csv = telechargement.csv_fr(donnees).decode("utf-8")
    assert csv.splitlines()[0] == "\ufeffZone;Taux;Secret statistique"
    assert csv.splitlines()[1] == "Caf de l'Ain;0,6543;"
    assert csv.splitlines()[2] == "Caf de l'Aisne;;secret"
    definitions = pd.DataFrame({"mart": ["m"], "colonne": ["Taux"], "définition": ["encaissé / attendu"]})
    with zipfile.ZipFile(BytesIO(telechargement.xlsx(donnees, definitions, "essai"))) as classeur:
        feuilles = classeur.read("xl/workbook.xml").decode()
        donnees_xml = classeur.read("xl/worksheets/sheet1.xml").decode()
        textes = classeur.read("xl/sharedStrings.xml").decode()
    assert 'name="Données"' in feuilles and 'name="Définitions"' in feuilles
    assert '<c r="B2"><v>0.6543</v></c>' in donnees_xml  # a number cell, not a text
    assert "encaissé / attendu" in textes


def test_le_filtre_de_phase_restreint_les_types(donnees, monkeypatch, tmp_path):
    at = ouvrir(monkeypatch, tmp_path, donnees, "national", "taux_recouvrement", phase="Forcée (contentieux)")
    base = publie(donnees, "national")
    forces = {
        t
        for (t,) in requete(
            base,
            "select distinct code_procedure from marts.taux_recouvrement_flux_mensuel "
            "where phase_recouvrement = 'force'",
        )
    }
    types = next(s for s in at.selectbox if s.label == "Type de procédure")
    assert {c for c, lib in LIBELLES_PROCEDURES.items() if lib in types.options} == forces
    (taux,) = requete(
        base,
        f"select taux_recouvrement_tc from marts.taux_recouvrement_flux_mensuel where niveau = 'national' "
        f"and code_procedure = '{types.value}' order by mois desc limit 1",
    )[0]
    assert metriques(at)["Taux de recouvrement du TC"] == format_fr.pourcentage(taux)


def test_la_bande_du_reseau_separe_chaque_zone():
    """The network band is one trace: each zone's months in order, a gap (no value) after each zone,
    so no line joins the last month of a zone to the first of the next; masked months stay gaps."""
    from datetime import date

    from dashboards.graphiques import _series

    mois = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    donnees = pd.DataFrame(
        {
            "libelle_zone": ["B"] * 3 + ["A"] * 3 + ["France entière"] * 3,
            "mois": mois[::-1] + mois + mois,  # B's rows out of order
            "taux": [0.3, 0.2, 0.1, 0.4, None, 0.6, 0.7, 0.7, 0.7],
            "est_diffusable": [True] * 9,
        }
    )
    figure = _series(donnees, "taux", "Taux", en_avant=["France entière"], reseau=["A", "B"])
    bande = figure.data[0]
    assert bande.name == "Réseau (chaque zone)"
    y = [None if pd.isna(v) else round(v, 6) for v in bande.y]
    assert y == [40.0, None, 60.0, None, 10.0, 20.0, 30.0, None]
    assert [pd.Timestamp(x).date() for x in bande.x[:3]] == mois
    assert [t.name for t in figure.data[1:]] == ["France entière"]
