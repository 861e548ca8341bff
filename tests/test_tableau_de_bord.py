"""The recovery-rate page, run with Streamlit's AppTest against published warehouses."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipelines import format_fr
from tests.conftest import requete

APP = str(Path(__file__).resolve().parents[1] / "dashboards" / "app.py")


def _page(monkeypatch, donnees: Path) -> AppTest:
    monkeypatch.setenv("ARIPA_DATA_DIR", str(donnees))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def test_la_page_montre_le_taux_national_du_mart_au_format_francais(demo, monkeypatch):
    at = _page(monkeypatch, demo["donnees"])
    base = demo["donnees"] / "warehouse" / "publication" / "aripa.duckdb"
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
    assert tableau.columns[-1] == format_fr.mois_court(mois)
    assert all(v.endswith("\u00a0%") for v in tableau.iloc[:, -1])


def test_la_lecture_par_caf_de_residence_change_le_tableau(demo, monkeypatch):
    at = _page(monkeypatch, demo["donnees"])
    gestion = at.dataframe[0].value.loc["Caf du Territoire de Belfort"].tolist()
    at.radio[0].set_value("Caf de résidence").run()
    assert at.dataframe[0].value.index.name == "Caf de résidence"
    residence = at.dataframe[0].value.loc["Caf du Territoire de Belfort"].tolist()
    assert gestion != residence  # Belfort manages part of the Alpes-Maritimes cases (jumelage)


def test_les_cellules_sous_le_seuil_de_secret_sont_masquees(petit_entrepot, monkeypatch):
    at = _page(monkeypatch, petit_entrepot)
    assert {m.label: m.value for m in at.metric}["Taux de recouvrement du TC"] == format_fr.VIDE
    valeurs = at.dataframe[0].value.to_numpy().ravel().tolist()
    assert set(valeurs) <= {"secret", format_fr.VIDE} and "secret" in valeurs


def test_sans_publication_la_page_le_dit(tmp_path, monkeypatch):
    at = _page(monkeypatch, tmp_path)
    assert "aripa demo" in at.warning[0].value


@pytest.mark.parametrize("page", ["taux_recouvrement"])
def test_chaque_page_est_declaree_dans_les_exposures_dbt(page):
    exposures = (
        Path(__file__).resolve().parents[1] / "dbt" / "models" / "marts" / "_exposures.yml"
    ).read_text()
    assert f"dashboards/vues/{page}.py" in exposures
