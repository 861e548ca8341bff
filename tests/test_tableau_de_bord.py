"""The recovery-rate page, run with Streamlit's AppTest against published warehouses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipelines import format_fr
from tests.conftest import requete

APP = str(Path(__file__).resolve().parents[1] / "dashboards" / "app.py")
VUES = Path(__file__).resolve().parents[1] / "dashboards" / "vues"


def _page(monkeypatch, donnees: Path, page: str = "taux_recouvrement") -> AppTest:
    monkeypatch.setenv("ARIPA_DATA_DIR", str(donnees))
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(f"vues/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_la_page_montre_le_taux_national_du_mart_au_format_francais(demo, monkeypatch):
    at = _page(monkeypatch, demo["donnees"])
    base = demo["donnees"] / "warehouse" / "publication" / "national.duckdb"
    mois, taux, encaisse = requete(
        base,
        "select mois, taux_recouvrement_tc, montant_encaisse_tc from marts.taux_recouvrement_flux_mensuel "
        "where niveau = 'national' and code_procedure = 'ENSEMBLE' order by mois desc limit 1",
    )[0]
    metriques = {m.label: m.value for m in at.metric}
    assert metriques["Taux de recouvrement du TC"] == format_fr.pourcentage(taux)
    assert metriques["TC encaissé"] == format_fr.euros(float(encaisse))
    assert at.subheader[0].value == f"France entière, {format_fr.mois(mois)}"
    tableau = at.dataframe[0].value
    assert len(tableau) == 25 and len(tableau.columns) == 12  # 24 Caf pivots and the MSA manage cases
    assert tableau.columns[0] == format_fr.mois_court(mois)  # the latest month first, never scrolled away
    assert all(v.endswith("\u00a0%") for v in tableau.iloc[:, 0])


def test_la_lecture_par_caf_de_residence_change_le_tableau(demo, monkeypatch):
    at = _page(monkeypatch, demo["donnees"])
    gestion = at.dataframe[0].value.loc["Caf du Territoire de Belfort"].tolist()
    at.radio[0].set_value("caf_residence").run()
    assert at.dataframe[0].value.index.name == "Caf de résidence"
    residence = at.dataframe[0].value.loc["Caf du Territoire de Belfort"].tolist()
    assert gestion != residence  # Belfort manages part of the Alpes-Maritimes cases (jumelage)


def test_les_cellules_sous_le_seuil_de_secret_sont_masquees(petit_entrepot, monkeypatch):
    at = _page(monkeypatch, petit_entrepot)
    assert {m.label: m.value for m in at.metric}["Taux de recouvrement du TC"] == "secret"
    valeurs = at.dataframe[0].value.to_numpy().ravel().tolist()
    assert set(valeurs) <= {"secret", format_fr.VIDE} and "secret" in valeurs


@pytest.mark.parametrize("page", sorted(p.stem for p in VUES.glob("*.py")))
def test_sans_publication_la_page_le_dit(page, tmp_path, monkeypatch):
    at = _page(monkeypatch, tmp_path, page)
    assert "aripa demo" in at.warning[0].value


@pytest.mark.parametrize("page", sorted(p.stem for p in VUES.glob("*.py")))
def test_chaque_page_est_declaree_dans_les_exposures_dbt(page):
    modeles = Path(__file__).resolve().parents[1] / "dbt" / "models"
    exposures = "".join(f.read_text() for f in sorted(modeles.rglob("*exposures.yml")))
    assert f"dashboards/vues/{page}.py" in exposures


def test_la_page_evaluation_montre_l_effet_ecrit_par_aripa_evaluate(demo, monkeypatch):
    at = _page(monkeypatch, demo["donnees"], "evaluation_gipa")
    base = demo["donnees"] / "warehouse" / "publication" / "national.duckdb"
    estimation, bas, haut = requete(
        base,
        "select estimation, ic95_bas, ic95_haut from evaluation.gipa_resultats "
        "where resultat = 'taux_recouvrement_tc' and groupe_temoin = 'tous_non_experimentaux' "
        "and methode = 'twfe_randomisation'",
    )[0]
    metriques = {m.label: m.value for m in at.metric}
    assert metriques["Effet estimé"] == format_fr.points(estimation)
    assert metriques["Intervalle de confiance à 95 %"] == format_fr.intervalle(bas, haut, "points de taux")
    assert not at.error  # the results match the published panel


def test_la_page_definitions_affiche_le_catalogue_sans_hote_exterieur(demo, monkeypatch):
    at = _page(monkeypatch, demo["donnees"], "definitions")
    assert at.title[0].value == "Définitions des indicateurs"
    assert not at.warning  # the definitions were published with the build
    assert not at.get("iframe")  # nothing embedded (the former page embedded 4.35 MB of dbt docs)


def test_un_mois_masque_est_marque_et_non_supprime(petit_entrepot, monkeypatch):
    monkeypatch.setenv("ARIPA_DATA_DIR", str(petit_entrepot))
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("vues/taux_recouvrement.py")
    at.query_params["zone"] = "Caf de la Haute-Garonne"  # highlighted; the small set masks its months
    at.run()
    assert not at.exception, at.exception
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    marques = [t for t in figure["data"] if t.get("name", "").endswith("mois masqué (secret)")]
    assert marques and len(marques[0]["x"]) >= 1  # each masked month marked on the axis, none dropped
    assert "secret" in set(at.dataframe[0].value.to_numpy().ravel())
