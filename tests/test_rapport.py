"""The committee report (`aripa report`): rendered, read back with pdftotext, figures checked.

Figures are checked two ways: by hand on the small fixture of conftest (secrecy threshold 1, so its
few people are published: the expected rates are computed below from PETIT_JEU), and against the
marts of the published file, queried here independently, on the demo build.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines import format_fr
from tests.conftest import CLE_TEST, PETIT_JEU, aripa, ecrire_jeu

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None and not os.environ.get("ARIPA_EXIGER_NAVIGATEUR"),  # set by .ci/run
    reason="pdftotext (Debian poppler-utils) absent : .ci/run l'installe",
)


def texte_pdf(chemin: Path, mise_en_page: bool = False) -> str:
    """The PDF's text, no-break spaces read as spaces (the figures are typeset with them)."""
    options = ["-layout"] if mise_en_page else []
    sortie = subprocess.run(
        ["pdftotext", *options, str(chemin), "-"], capture_output=True, text=True, check=True
    ).stdout
    return sortie.replace("\u00a0", " ").replace("\u202f", " ")


def plat(texte: str) -> str:
    return re.sub(r"\s+", " ", texte)


def f(texte: str) -> str:
    """A figure as format_fr writes it, spaces as pdftotext gives them back."""
    return texte.replace("\u00a0", " ").replace("\u202f", " ")


def section(texte: str, debut: str, fin: str) -> str:
    """The text between two headings (the table of contents names them too: take the last)."""
    i = texte.rindex(debut)
    return texte[i : texte.index(fin, i)]


def rapport(donnees: Path, *arguments: str) -> subprocess.CompletedProcess:
    return aripa("report", *arguments, donnees=donnees)


@pytest.fixture(scope="module")
def petit_publie(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """conftest's hand-computed fixture built with a secrecy threshold of 1: every cell published."""
    donnees = tmp_path_factory.mktemp("petit_rapport")
    ecrire_jeu(donnees / "landing", PETIT_JEU)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env |= {
        "ARIPA_DATA_DIR": str(donnees),
        "ARIPA_CLE_PSEUDONYMISATION": CLE_TEST,
        "ARIPA_SEUIL_SECRET_STATISTIQUE": "1",
    }
    for etape in (
        ["ingest"],
        ["build"],
        ["report", "--month", "2026-02"],
        ["report", "--month", "2026-02", "--scope", "caf:311"],
        ["report", "--month", "2026-01"],
    ):
        r = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", *etape],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert r.returncode == 0, r.stdout + r.stderr
    return donnees


@pytest.mark.xdist_group("petit_rapport")  # one build of the module fixture
def test_chiffres_du_petit_jeu_calcules_a_la_main(petit_publie: Path) -> None:
    """February 2026, France entière. TC attendu: P1 100 + P2 200 = 300 (P3 closed on 5 Feb, P4
    quarantined, P5 a simulation). TC encaissé: V4 25 (its duplicate quarantined) + V6 200 (V5's
    30/02 quarantined) = 225, so 75,0 %. January: attendu 100 + 200 + 300 = 600, encaissé V1 100 +
    V2 50 (V3 quarantined) = 150, 25,0 %: the month's change is +50,0 pt."""
    pdf = petit_publie / "outputs" / "rapports" / "rapport_national_2026-02.pdf"
    texte = texte_pdf(pdf, mise_en_page=True)
    cles = plat(section(texte, "1. Indicateurs clés", "2. Tendances"))
    ligne_tc = re.search(r"Taux de recouvrement du terme courant \(flux\)\s+(\S+ %)\s+(\S+ pt)", cles)
    assert ligne_tc, cles[:600]
    assert ligne_tc.groups() == ("75,0 %", "+50,0 pt")
    assert "TC encaissé 225 EUR / TC attendu 300 EUR" in cles
    # The same figures as the published mart, queried here.
    with duckdb.connect(
        str(petit_publie / "warehouse" / "publication" / "national.duckdb"), read_only=True
    ) as con:
        taux, encaisse, attendu = con.execute(
            "select taux_recouvrement_tc, montant_encaisse_tc, montant_attendu_tc "
            "from marts.taux_recouvrement_flux_mensuel where niveau = 'national' and mois = '2026-02-01' "
            "and code_procedure = 'ENSEMBLE'"
        ).fetchone()
    assert (f(format_fr.pourcentage(taux)), float(encaisse), float(attendu)) == ("75,0 %", 225.0, 300.0)


@pytest.mark.xdist_group("petit_rapport")  # one build of the module fixture
def test_qualite_du_mois_fichiers_et_quarantaine_par_regle(petit_publie: Path) -> None:
    """Files covering February: procedures (P4's unknown Caf: code_inconnu), plan (2 rows), payments
    (4 rows read, V4's duplicate and V5's 30/02 quarantined). January's bad amount is not February's."""
    qualite = section(
        texte_pdf(petit_publie / "outputs" / "rapports" / "rapport_national_2026-02.pdf", mise_en_page=True),
        "5. Qualité des données reçues —",
        "Annexe —",
    )
    assert re.search(r"Versements\s+1\s+1\s+0\s+0\s+0\s+4\s+2\s+2\n", qualite), qualite
    assert re.search(r"Procédures \(photographie\)\s+1\s+1\s+0\s+0\s+0\s+5\s+4\s+1\n", qualite), qualite
    assert re.search(r"Plan de recouvrement\s+1\s+1\s+0\s+0\s+0\s+2\s+2\s+0\n", qualite), qualite
    assert re.search(r"Versements\s+cle_en_double\s+1\s+1\n", qualite)
    assert re.search(r"Versements\s+format_date\s+1\s+1\n", qualite)
    assert re.search(r"Procédures \(photographie\)\s+code_inconnu\s+1\s+1\n", qualite)
    assert "format_montant" not in qualite
    assert "11 lignes lues, 3 en quarantaine" in plat(qualite)
    assert "Sources : qualite_fichiers_recus et qualite_quarantaine_regles" in plat(qualite)


@pytest.mark.xdist_group("petit_rapport")  # one build of the module fixture
def test_qualite_d_un_mois_sans_photographie_compte_zero_fichier(petit_publie: Path) -> None:
    """January: the procedures snapshot covers February only, so January reads 0 procedures file
    (a line of zeros, not a missing line); plan_2026-01 3 rows read and loaded; versements_2026-01
    3 rows read (V1, V2, V3), V3's amount `abc` quarantined (format_montant, on one field): 2 loaded,
    1 in quarantine. 6 rows read, 1 in quarantine; February's rules are not January's."""
    qualite = section(
        texte_pdf(petit_publie / "outputs" / "rapports" / "rapport_national_2026-01.pdf", mise_en_page=True),
        "5. Qualité des données reçues —",
        "Annexe —",
    )
    assert re.search(r"Procédures \(photographie\)\s+0\s+0\s+0\s+0\s+0\s+0\s+0\s+0\n", qualite), qualite
    assert re.search(r"Plan de recouvrement\s+1\s+1\s+0\s+0\s+0\s+3\s+3\s+0\n", qualite), qualite
    assert re.search(r"Versements\s+1\s+1\s+0\s+0\s+0\s+3\s+2\s+1\n", qualite), qualite
    assert re.search(r"Versements\s+format_montant\s+1\s+1\n", qualite), qualite
    for regle in ("cle_en_double", "format_date", "code_inconnu"):
        assert regle not in qualite
    assert "6 lignes lues, 1 en quarantaine" in plat(qualite)


@pytest.mark.xdist_group("petit_rapport")  # one build of the module fixture
def test_rapport_d_une_caf_ne_montre_aucune_autre_caf(petit_publie: Path) -> None:
    """The local committee of Haute-Garonne (311): the other Cafs with cases in the fixture (901
    Territoire de Belfort, 061 Alpes-Maritimes) appear nowhere, by name or code; its own do."""
    texte = plat(texte_pdf(petit_publie / "outputs" / "rapports" / "rapport_caf_311_2026-02.pdf"))
    assert "Caf de la Haute-Garonne" in texte
    assert "Source caf_311.duckdb" in texte  # its scope's published file, not the national one
    with duckdb.connect(
        str(petit_publie / "warehouse" / "publication" / "national.duckdb"), read_only=True
    ) as con:
        autres = con.execute(
            "select code_caf, nom_caf from marts.dim_cafs where code_caf <> '311'"
        ).fetchall()
    assert len(autres) == 101
    presents = [nom for _, nom in autres if nom in texte]
    assert presents == []
    for code in ("901", "061"):
        assert not re.search(rf"(?<![\d,]){code}(?![\d,])", texte), code


def test_cellules_masquees_lues_secret_jamais_zero(petit_entrepot: Path) -> None:
    """At the default threshold (5 people) the fixture's national cells are masked: the report reads
    « secret » where the mart's cell is masked, never 0, and keeps the row."""
    r = rapport(petit_entrepot, "--month", "2026-02")
    assert r.returncode == 0, r.stdout + r.stderr
    with duckdb.connect(
        str(petit_entrepot / "warehouse" / "publication" / "national.duckdb"), read_only=True
    ) as con:
        (diffusable,) = con.execute(
            "select est_diffusable from marts.taux_recouvrement_flux_mensuel where niveau = 'national' "
            "and mois = '2026-02-01' and code_procedure = 'ENSEMBLE'"
        ).fetchone()
    assert diffusable is False
    cles = plat(
        section(
            texte_pdf(
                petit_entrepot / "outputs" / "rapports" / "rapport_national_2026-02.pdf", mise_en_page=True
            ),
            "1. Indicateurs clés",
            "2. Tendances",
        )
    )
    assert re.search(r"Taux de recouvrement du terme courant \(flux\) secret secret secret", cles), cles[:400]
    assert "TC encaissé secret / TC attendu secret" in cles
    assert "0,0 %" not in cles and " 0 EUR" not in cles


def test_mois_sans_donnees_erreur_claire_sans_fichier(petit_entrepot: Path) -> None:
    dossier = petit_entrepot / "outputs" / "rapports"
    for arguments, attendu in (
        (("--month", "2030-01"), "aucune donnée pour le mois 2030-01"),
        (("--year", "2031"), "aucune donnée pour l'année 2031"),
    ):
        r = rapport(petit_entrepot, *arguments)
        assert r.returncode == 1
        assert attendu in plat(r.stdout), r.stdout
        assert "couvrent 2026-01 à 2026-02" in plat(r.stdout)
        assert "Traceback" not in r.stdout + r.stderr
    assert not list(dossier.glob("*2030-01*")) and not list(dossier.glob("*2031*"))


# On the demo build: `aripa demo` writes the latest month's national report itself.


def _publie(demo: dict, portee: str = "national") -> duckdb.DuckDBPyConnection:
    return duckdb.connect(
        str(demo["donnees"] / "warehouse" / "publication" / f"{portee}.duckdb"), read_only=True
    )


def test_demo_ecrit_le_rapport_national_du_dernier_mois(demo: dict) -> None:
    dossier = demo["donnees"] / "outputs" / "rapports"
    assert (dossier / "rapport_national_2026-10.pdf").stat().st_size > 50_000
    assert (dossier / "rapport_national_2026-10.html").exists()
    assert "rapport_national_2026-10.pdf" in plat(demo["sortie_1"])


def test_rapport_national_de_la_demo_egal_aux_marts(demo: dict) -> None:
    texte = texte_pdf(
        demo["donnees"] / "outputs" / "rapports" / "rapport_national_2026-10.pdf", mise_en_page=True
    )
    cles = plat(section(texte, "1. Indicateurs clés", "2. Tendances"))
    with _publie(demo) as con:
        tc = con.execute(
            "select taux_recouvrement_tc, montant_encaisse_tc, montant_attendu_tc "
            "from marts.taux_recouvrement_flux_mensuel where niveau = 'national' "
            "and code_procedure = 'ENSEMBLE' and mois in ('2026-09-01', '2026-10-01', '2025-10-01') "
            "order by mois desc"
        ).fetchall()
        financier = con.execute(
            "select taux_recouvrement_financier, montant_recouvre, montant_a_recouvrer "
            "from marts.taux_recouvrement_financier_annuel where niveau = 'national' and famille = 'ARIPA' "
            "and annee = 2025"
        ).fetchone()
        (actives,) = con.execute(
            "select sum(procedures_actives) from marts.procedures_actives_mensuel where niveau = 'national' "
            "and mois = '2026-10-01' and code_procedure <> 'IF'"
        ).fetchone()
        principal = con.execute(
            "select estimation, ic95_bas, ic95_haut from evaluation.gipa_resultats where resultat = "
            "'taux_recouvrement_tc' and groupe_temoin = 'tous_non_experimentaux' "
            "and methode = 'twfe_randomisation'"
        ).fetchone()
        (lues,) = con.execute(
            "select sum(lignes_lues) from marts.qualite_fichiers_recus where mois_couvert = '2026-10-01'"
        ).fetchone()
    (t, enc, att), (t_m, _, _), (t_a, _, _) = tc
    ligne = re.search(r"Taux de recouvrement du terme courant \(flux\)\s+(\S+ %)\s+(\S+ pt)\s+(\S+ pt)", cles)
    assert ligne and ligne.groups() == (
        f(format_fr.pourcentage(t)),
        f(format_fr.points(t - t_m)),
        f(format_fr.points(t - t_a)),
    ), cles[:500]
    assert f(f"TC encaissé {format_fr.euros(float(enc))} / TC attendu {format_fr.euros(float(att))}") in cles
    taux_f, recouvre, a_recouvrer = financier
    assert f(format_fr.pourcentage(taux_f)) in cles
    assert (
        f(
            f"recouvré {format_fr.euros(float(recouvre))} / stock au 1er janvier + créé dans l'année "
            f"{format_fr.euros(float(a_recouvrer))} ; période : année civile 2025"
        )
        in cles
    )
    stock = re.escape(f(format_fr.nombre(actives)))
    assert re.search(rf"Procédures de recouvrement actives \(fin de mois, hors {stock} ", cles), cles
    evaluation = plat(section(texte, "4. Évaluation de l'expérimentation GIPA", "5. Qualité"))
    assert f(format_fr.effet(principal[0], "points de taux")) in evaluation
    assert f(format_fr.intervalle(principal[1], principal[2], "points de taux")) in evaluation
    assert f(f"{format_fr.nombre(lues)} lignes lues") in plat(texte)
    assert re.search(r"Page 2 sur \d+", texte) and "Sommaire" in texte
    annexe = plat(texte[texte.rindex("Annexe — définitions des indicateurs") :])
    for mart in (
        "taux_recouvrement_flux_mensuel",
        "taux_recouvrement_financier_annuel",
        "qualite_fichiers_recus",
        "qualite_quarantaine_regles",
    ):
        assert mart in annexe


def test_rapport_de_la_gironde_sur_la_demo_ne_nomme_aucune_autre_caf(demo: dict) -> None:
    r = rapport(demo["donnees"], "--month", "2026-10", "--scope", "caf:331")
    assert r.returncode == 0, r.stdout + r.stderr
    texte = plat(texte_pdf(demo["donnees"] / "outputs" / "rapports" / "rapport_caf_331_2026-10.pdf"))
    assert "Caf de la Gironde" in texte
    with _publie(demo) as con:
        autres = [
            n for (n,) in con.execute("select nom_caf from marts.dim_cafs where code_caf <> '331'").fetchall()
        ]
    assert len(autres) == 101
    assert [n for n in autres if n in texte] == []
    assert "L'évaluation de l'expérimentation n'est pas dans le fichier publié de cette portée" in texte


def test_rapport_national_de_la_demo_liste_les_alertes_du_mois(demo: dict) -> None:
    """Chapter 6 lists the month's raised alerts as marts.alertes_mensuelles decides them, among
    them the generator's planted drift of the Caf du Rhône (691, pipelines/generation/modele.py)."""
    texte = texte_pdf(demo["donnees"] / "outputs" / "rapports" / "rapport_national_2026-10.pdf")
    chapitre = plat(section(texte, "6. Perspectives", "Annexe — définitions des indicateurs"))
    with _publie(demo) as con:
        (levees,) = con.execute(
            "select count(*) from marts.alertes_mensuelles where mois = '2026-10-01' and en_alerte "
            "and est_diffusable"
        ).fetchone()
        derive = con.execute(
            "select valeur, valeur_reference from marts.alertes_mensuelles where mois = '2026-10-01' "
            "and type_alerte = 'derive_caf' and code_zone = '691' and en_alerte"
        ).fetchone()
    assert levees > 0 and derive is not None  # the planted drift is raised by the mart
    assert f(f"{format_fr.nombre(levees)} alerte(s) levée(s) en octobre 2026") in chapitre
    assert chapitre.count("Caf qui s'écarte de son niveau attendu") >= 1
    rhone = f(f"ratio {format_fr.nombre(derive[0], 2)} pour {format_fr.nombre(derive[1], 2)}")
    assert "Caf du Rhône" in chapitre and rhone in chapitre
    assert "Courbes de recouvrement par cohorte" in chapitre and "cohorte 2024" in chapitre
    assert "lissage exponentiel (ETS)" in chapitre and "retenu" in chapitre
