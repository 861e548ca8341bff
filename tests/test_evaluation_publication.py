"""Where `aripa evaluate` writes and who may read it: its own schema, stamped with the panel it
came from; the dashboard page says when the results were computed and refuses stale ones; any
panel file through `aripa evaluate --panel`; dbt reads nothing of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from pipelines import format_fr
from pipelines.evaluation import executer, validite
from pipelines.evaluation.executer import SCHEMA, deja_evaluee, ecrire, evaluer, lire_evaluation
from pipelines.evaluation.panel import REQUETE_PANEL, TABLE_EMPREINTE_PUBLIEE, empreinte_panel
from tests.conftest import aripa

RACINE = Path(__file__).resolve().parents[1]
APP = str(RACINE / "dashboards" / "app.py")


def _panel_gipa(graine: int = 4) -> pd.DataFrame:
    """A small GIPA-shaped mart: 14 départements (6 experimental from October 2014), 2013-01 to
    2016-05, a +5 pt effect on the TC rate."""
    rng = np.random.default_rng(graine)
    mois = pd.date_range("2013-01-01", "2016-05-01", freq="MS")
    lignes = []
    for i in range(14):
        experimental = i < 6
        niveau = 0.5 + rng.normal(0, 0.03)
        for m in mois:
            traite = experimental and m >= pd.Timestamp("2014-10-01") and m < pd.Timestamp("2016-04-01")
            lignes.append(
                {
                    "code_departement": f"{i + 1:02d}",
                    "groupe_gipa": "experimental" if experimental else "non_experimental",
                    "date_debut_gipa": pd.Timestamp("2014-10-01").date() if experimental else None,
                    "date_generalisation_gipa": pd.Timestamp("2016-04-01").date(),
                    "mois": m.date(),
                    "taux_recouvrement_tc": niveau + 0.05 * traite + rng.normal(0, 0.01),
                    "montant_attendu_tc": float(rng.uniform(5e4, 1e5)),
                    "arrieres_pde_encaisses": 100 + 20 * traite + rng.normal(0, 5),
                    "nouvelles_pde": float(rng.poisson(10)),
                    "familles_asf_complementaire": float(rng.poisson(30)),
                    "delai_moyen_premier_versement_jours": 60 + rng.normal(0, 3),
                    "nb_avec_versement": float(rng.integers(20, 40)),
                }
            )
    return pd.DataFrame(lignes)


@pytest.fixture(scope="module")
def publie(tmp_path_factory) -> Path:
    """A national scope's file as the publish step writes it: what `aripa evaluate` wrote from a
    panel, and the fingerprint of the panel of the same build."""
    donnees = tmp_path_factory.mktemp("evaluation")
    base = donnees / "warehouse" / "publication" / "national.duckdb"
    base.parent.mkdir(parents=True)
    with duckdb.connect(str(base)) as con:
        con.execute("create schema marts")
        con.register("p", _panel_gipa())
        con.execute("create table marts.evaluation_panel_gipa as select * from p")
        panel = con.execute(REQUETE_PANEL).df()
        con.execute("drop table marts.evaluation_panel_gipa")  # never published, only its fingerprint
    ecrire(evaluer(panel), base, empreinte_panel(panel), len(panel))
    with duckdb.connect(str(base)) as con:
        con.execute(
            f"create table {TABLE_EMPREINTE_PUBLIEE} as select ? as empreinte_panel, ? as nb_lignes_panel",
            [empreinte_panel(panel), len(panel)],
        )
    return donnees


def _page(monkeypatch, donnees: Path) -> AppTest:
    monkeypatch.setenv("ARIPA_DATA_DIR", str(donnees))
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("vues/evaluation_gipa.py").run()
    assert not at.exception, at.exception
    return at


def test_les_resultats_sont_dans_le_schema_evaluation_estampilles(publie):
    base = publie / "warehouse" / "publication" / "national.duckdb"
    with duckdb.connect(str(base), read_only=True) as con:
        tables = {
            r[0]
            for r in con.execute(
                f"select table_name from duckdb_tables() where schema_name = '{SCHEMA}'"
            ).fetchall()
        }
        execution = con.execute(f"select * from {SCHEMA}.gipa_execution").df()
        empreinte = con.execute(f"select empreinte_panel from {TABLE_EMPREINTE_PUBLIEE}").fetchone()[0]
        principal = con.execute(
            f"select estimation, ic95_bas, ic95_haut from {SCHEMA}.gipa_resultats where resultat = "
            "'taux_recouvrement_tc' and groupe_temoin = 'tous_non_experimentaux' "
            "and methode = 'twfe_randomisation'"
        ).fetchone()
    assert tables == {"gipa_resultats", "gipa_etude_evenement", "gipa_execution", "panel_publie"}
    assert execution["empreinte_panel"].iloc[0] == empreinte and len(empreinte) == 64
    assert principal[1] < 0.05 < principal[2] and principal[0] == pytest.approx(0.05, abs=0.01)


def test_la_page_dit_quand_et_montre_l_effet(publie, monkeypatch):
    at = _page(monkeypatch, publie)
    assert not at.error
    assert any("Calculé le" in c.value for c in at.caption)
    base = publie / "warehouse" / "publication" / "national.duckdb"
    with duckdb.connect(str(base), read_only=True) as con:
        estimation, bas, haut = con.execute(
            f"select estimation, ic95_bas, ic95_haut from {SCHEMA}.gipa_resultats where resultat = "
            "'taux_recouvrement_tc' and groupe_temoin = 'tous_non_experimentaux' "
            "and methode = 'twfe_randomisation'"
        ).fetchone()
    metriques = {m.label: m.value for m in at.metric}
    assert metriques["Effet estimé"] == format_fr.points(estimation)
    assert metriques["Intervalle de confiance à 95 %"] == format_fr.intervalle(bas, haut, "points de taux")
    assert "Effet minimal détectable" in metriques


def test_la_page_refuse_des_resultats_calcules_sur_un_autre_panel(publie, monkeypatch, tmp_path):
    """A later build changed one month of one département: the results no longer match it."""
    copie = tmp_path / "warehouse" / "publication" / "national.duckdb"
    copie.parent.mkdir(parents=True)
    copie.write_bytes((publie / "warehouse" / "publication" / "national.duckdb").read_bytes())
    panel = _panel_gipa()
    modifie = (panel["code_departement"] == "03") & (panel["mois"] == pd.Timestamp("2015-06-01").date())
    panel.loc[modifie, "taux_recouvrement_tc"] += 0.001
    with duckdb.connect(str(copie)) as con:
        con.register("p", panel)
        nouveau = empreinte_panel(con.execute(REQUETE_PANEL.replace("marts.evaluation_panel_gipa", "p")).df())
        con.execute(f"update {TABLE_EMPREINTE_PUBLIEE} set empreinte_panel = ?", [nouveau])
    at = _page(monkeypatch, tmp_path)
    assert at.error and "Résultats périmés" in at.error[0].value
    assert not at.metric  # nothing shown


def test_le_meme_panel_par_la_meme_methode_n_est_pas_reevalue(publie, monkeypatch, tmp_path):
    """The results in the warehouse are kept for the panel and the method (settings and code of
    pipelines/evaluation) they were computed with, and for those only."""
    base = publie / "warehouse" / "publication" / "national.duckdb"
    with duckdb.connect(str(base), read_only=True) as con:
        empreinte = con.execute(f"select empreinte_panel from {TABLE_EMPREINTE_PUBLIEE}").fetchone()[0]
        (calcule_le,) = con.execute(f"select calcule_le_utc from {SCHEMA}.gipa_execution").fetchone()
        resultats = con.execute(f"select * from {SCHEMA}.gipa_resultats order by all").df()
    assert deja_evaluee(base, empreinte) == calcule_le
    assert deja_evaluee(base, "0" * 64) is None  # another panel
    lue = lire_evaluation(base)
    colonnes = [c for c in resultats.columns if c not in ("empreinte_panel", "calcule_le_utc")]
    assert list(lue.resultats.columns) == colonnes and len(lue.etude_evenement) > 0
    pd.testing.assert_frame_equal(
        lue.resultats.sort_values(colonnes, ignore_index=True),
        resultats[colonnes].sort_values(colonnes, ignore_index=True),
    )
    with monkeypatch.context() as m:
        m.setattr(executer, "TIRAGES", executer.TIRAGES + 1)  # another setting
        assert deja_evaluee(base, empreinte) is None
    # An edit of the estimators' code: the package's sources, one line added to one of them.
    copie = tmp_path / "evaluation"
    shutil.copytree(Path(executer.__file__).parent, copie, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(executer, "__file__", str(copie / "executer.py"))
    assert deja_evaluee(base, empreinte) == calcule_le  # the copy is the same code
    with (copie / "estimateurs.py").open("a", encoding="utf-8") as source:
        source.write("# une modification\n")
    assert deja_evaluee(base, empreinte) is None


def test_dbt_ne_lit_pas_ce_qu_ecrit_evaluate():
    sources = yaml.safe_load((RACINE / "dbt/models/marts/evaluation/_evaluation__sources.yml").read_text())
    evaluation = [s for s in sources["sources"] if s["name"] == "evaluation"]
    assert evaluation and evaluation[0]["schema"] == "evaluation"
    assert all(s.get("schema") != "marts" for s in sources["sources"])
    for sql in (RACINE / "dbt").rglob("*.sql"):
        assert "source('evaluation'" not in sql.read_text().replace('"', "'"), sql


def test_aripa_evaluate_panel_sur_mpdta_imprime_les_chiffres_publies(tmp_path):
    fichier = tmp_path / "mpdta.csv"
    import moderndid as md

    md.load_mpdta().to_pandas().to_csv(fichier, index=False)
    sortie = aripa(
        "evaluate",
        "--panel",
        str(fichier),
        "--unit",
        "countyreal",
        "--time",
        "year",
        "--outcome",
        "lemp",
        "--treated-from",
        "first.treat",
        donnees=tmp_path,
    )
    assert sortie.returncode == 0, sortie.stdout + sortie.stderr
    texte = " ".join(sortie.stdout.split())
    assert "191 unités traitées, 309 témoins, 5 périodes" in texte
    assert "DD, randomisation │ -0,0365" in texte
    assert "CS, jamais traités │ -0,0400" in texte
    assert not (tmp_path / "warehouse").exists()  # another panel never touches the warehouse


def test_aripa_evaluate_panel_erreur_nommee(tmp_path):
    panel = validite.panel_mpdta().head(40).rename(columns={"dep": "unite", "t": "annee"})
    panel["debut"] = np.where(panel.index < 20, "2005", "")
    panel["y"] = panel["y"].round(3).astype(str).str.replace(".", ",")
    panel.loc[7, "y"] = "n/d"
    fichier = tmp_path / "panel.csv"
    panel.to_csv(fichier, sep=";", index=False)
    sortie = aripa(
        "evaluate",
        "--panel",
        str(fichier),
        "--unit",
        "unite",
        "--time",
        "annee",
        "--outcome",
        "y",
        "--treated-from",
        "debut",
        donnees=tmp_path,
    )
    assert sortie.returncode == 1
    assert f"{fichier}, ligne 9, champ « y » : valeur non numérique « n/d »" in " ".join(
        sortie.stdout.split()
    )
