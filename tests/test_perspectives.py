"""Issue 20: the forecast's models and back-test computed by hand, the forecasts' scopes in the
published files, the Perspectives page (AppTest), and the planted situations found in the alert
list of the demo build. The dbt marts have their unit tests beside them
(dbt/models/marts/perspectives/_perspectives__unit_tests.yml)."""

from __future__ import annotations

import io
import math
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from pipelines.contrat import contrat
from pipelines.generation.modele import DERIVE_PLANTEE, PRESCRIPTION_PLANTEE, VERSEMENTS_RENVOYES
from pipelines.portees import Portee
from pipelines.prevision import retro
from pipelines.prevision.modeles import Prevision, ets, saisonnier_naif
from pipelines.prevision.series import Serie, decouper
from pipelines.publication import Catalogue, _publier_prevision

PAGE = str(Path(__file__).resolve().parents[1] / "dashboards" / "vues" / "perspectives.py")


def test_saisonnier_naif_et_ses_intervalles_calcules_a_la_main():
    # Year 1: 0..11; year 2: the same +1 on even months, -1 on odd ones. The 12 year-on-year
    # differences are six +1 and six -1: mean 0, sample SD sqrt(12 / 11).
    annee_1 = np.arange(12, dtype=float)
    annee_2 = annee_1 + np.where(np.arange(12) % 2 == 0, 1.0, -1.0)
    p = saisonnier_naif(np.concatenate([annee_1, annee_2]), 12)
    assert p.moyenne.tolist() == annee_2.tolist()
    ecart = math.sqrt(12 / 11)
    assert p.haute_95[0] - p.moyenne[0] == pytest.approx(1.959964 * ecart, rel=1e-6)
    assert p.moyenne[0] - p.basse_80[0] == pytest.approx(1.281552 * ecart, rel=1e-6)
    with pytest.raises(ValueError, match="au moins 24 mois"):
        saisonnier_naif(annee_1, 12)


def test_ets_suit_une_serie_saisonniere_et_emboite_ses_intervalles():
    mois = np.arange(60)
    y = 1000 + 2 * mois + 50 * np.sin(2 * np.pi * mois / 12)
    y = y + np.random.default_rng(1).normal(0, 2, size=mois.size)
    p = ets(y, 12)
    verite = 1000 + 2 * np.arange(60, 72) + 50 * np.sin(2 * np.pi * np.arange(60, 72) / 12)
    assert np.max(np.abs(p.moyenne - verite) / verite) < 0.01
    assert (p.basse_95 <= p.basse_80).all() and (p.basse_80 <= p.moyenne).all()
    assert (p.moyenne <= p.haute_80).all() and (p.haute_80 <= p.haute_95).all()


def _dernier(y: np.ndarray, horizon: int) -> Prevision:
    """A fake model: the last value, ±5 (80 %) and ±10 (95 %)."""
    m = np.full(horizon, y[-1])
    return Prevision(m, m - 5, m + 5, m - 10, m + 10)


def _serie(valeurs: np.ndarray, code: str = "311") -> Serie:
    mois = pd.date_range("2020-01-01", periods=valeurs.size, freq="MS")
    return Serie("procedures_actives", "caf_gestionnaire", "caf", code, "Caf", mois, valeurs)


def test_retro_test_calcule_a_la_main():
    # y = 100 + t over 36 months; origin 12 months before the end: trained on t = 0..23 (its
    # year-on-year differences are all 12: the MASE scale), forecast 123 flat, actual 124..135.
    # Errors h = 1..12: sum 78, actual sum 1554, WAPE 78 / 1554; MASE mean(h / 12) = 6.5 / 12;
    # inside ±5: h <= 5 (5 of 12); inside ±10: h <= 10.
    detail = retro.erreurs([_serie(100.0 + np.arange(36))], [12], 60, {"dernier": _dernier})
    assert len(detail) == 12
    s = retro.scores(detail, ["serie", "modele"]).iloc[0]
    assert s["wape"] == pytest.approx(78 / 1554)
    assert s["mase"] == pytest.approx(6.5 / 12)
    assert s["couverture_80"] == pytest.approx(5 / 12)
    assert s["couverture_95"] == pytest.approx(10 / 12)


def test_le_modele_retenu_est_celui_du_plus_faible_mase():
    synthese = pd.DataFrame(
        {
            "serie": ["a", "a", "b", "b"],
            "modele": ["ets", "saisonnier_naif", "ets", "saisonnier_naif"],
            "mase": [0.8, 0.9, 1.2, 1.1],
        }
    )
    assert retro.modele_retenu(synthese) == {"a": "ets", "b": "saisonnier_naif"}


def test_une_serie_trouee_ou_sous_secret_est_ecartee_avec_sa_raison():
    mois = pd.date_range("2024-01-01", periods=30, freq="MS")
    lignes = []
    for code, trou, secret in (("311", False, False), ("331", True, False), ("591", False, True)):
        for i, m in enumerate(mois):
            if trou and i == 10:
                continue
            lignes.append(
                {
                    "serie": "montant_attendu",
                    "niveau": "caf_gestionnaire",
                    "type_zone": "caf",
                    "code_zone": code,
                    "libelle_zone": code,
                    "mois": m.date(),
                    "valeur": 100.0 + i,
                    "diffusable": not (secret and i == 20),
                }
            )
    series, ecartees = decouper(pd.DataFrame(lignes), 24)
    assert [s.code_zone for s in series] == ["311"]
    assert series[0].valeurs.size == 24 and series[0].valeurs[-1] == 129.0
    assert any("331" in e and "mois manquants" in e for e in ecartees)
    assert any("591" in e and "secret" in e for e in ecartees)


@pytest.fixture
def entrepot_prevision(tmp_path: Path) -> Path:
    chemin = tmp_path / "entrepot.duckdb"
    with duckdb.connect(str(chemin)) as con:
        con.execute("create schema prevision")
        con.execute(
            "create table prevision.previsions as select * from (values "
            "('national', 'national', 'FR', 1.0), ('caf_gestionnaire', 'caf', '311', 2.0), "
            "('caf_gestionnaire', 'caf', '331', 3.0)) as t(niveau, type_zone, code_zone, prevision)"
        )
        con.execute("create table prevision.retro_synthese as select 'ets' as modele, 0.8 as mase")
        con.execute("create table prevision.retro_detail as select '331' as code_zone, 5.0 as erreur")
    return chemin


@pytest.mark.parametrize(
    ("portee", "zones"),
    [
        (Portee("national"), ["311", "331", "FR"]),
        (Portee("comite"), ["FR"]),
        (Portee("caf", "311"), ["311", "FR"]),
    ],
)
def test_les_previsions_publiees_suivent_la_portee(entrepot_prevision, tmp_path, portee, zones):
    with duckdb.connect(str(entrepot_prevision)) as con:
        catalogue = Catalogue.lire(con, "entrepot")
        con.execute(f"attach '{tmp_path / 'cible.duckdb'}' as cible")
        _publier_prevision(con, "entrepot", portee, catalogue)
        publiees = [
            z
            for (z,) in con.execute("select code_zone from cible.prevision.previsions order by 1").fetchall()
        ]
        tables = {
            t
            for (t,) in con.execute(
                "select table_name from duckdb_tables() where database_name = 'cible'"
            ).fetchall()
        }
    assert publiees == zones
    assert tables == {"previsions", "retro_synthese"}  # per-zone back-test errors stay behind


def _publication_de_test(dossier: Path) -> None:
    """A published national file holding what the page reads, with one masked alert."""
    publication = dossier / "warehouse" / "publication"
    publication.mkdir(parents=True)
    alertes = pd.DataFrame(
        {
            "niveau": ["caf_gestionnaire", "caf_gestionnaire", "national"],
            "type_zone": ["caf", "caf", "national"],
            "code_zone": ["691", "972", "FR"],
            "libelle_zone": ["Caf du Rhône", "Caf de la Martinique", "France entière"],
            "mois": [date(2026, 10, 1)] * 3,
            "type_alerte": ["derive_caf", "saisie_4e_defail", "saisie_4e_defail"],
            "objet": ["ENSEMBLE", "SAISIE", "SAISIE"],
            "regle": ["carte de contrôle", "3e DEFAIL", "3e DEFAIL"],
            "unite": ["ratio", "saisies", "saisies"],
            "en_alerte": [True, None, True],
            "motif": [
                "sous son niveau habituel de plus de 3 écarts-types",
                None,
                "des saisies sont à un DEFAIL",
            ],
            "valeur": [0.6512, None, 20.0],
            "valeur_reference": [0.98, None, None],
            "ecart_reduit": [-8.1, None, None],
            "nombre": [None, None, 20],
            "montant": [None, None, 3456.5],
            "est_diffusable": [True, False, True],
            "motif_secret": [None, "primaire", None],
        }
    )
    with duckdb.connect(str(publication / "national.duckdb")) as con:
        con.execute("create schema marts")
        con.register("alertes", alertes)
        con.execute("create table marts.alertes_mensuelles as select * from alertes")


def test_la_page_liste_les_alertes_au_format_francais_et_compte_le_secret(tmp_path, monkeypatch):
    _publication_de_test(tmp_path)
    monkeypatch.setenv("ARIPA_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, at.exception
    tableau = at.dataframe[0].value
    rhone = tableau[tableau["Zone"] == "Caf du Rhône"].iloc[0]
    assert rhone["Valeur"] == "0,651" and rhone["Référence"] == "0,980"
    assert rhone["Alerte"] == "Caf hors de son niveau attendu"
    national = tableau[tableau["Zone"] == "France entière"].iloc[0]
    assert national["Montant"] == "3\u202f456\u00a0EUR"  # thin space for thousands, no-break before EUR
    # The masked cell is counted, never listed with its figures.
    assert "Caf de la Martinique" not in set(tableau["Zone"]) and len(tableau) == 2
    assert [m.value for m in at.metric] == ["2", "1"]  # alerts raised, masked cells
    # The forecasts, curves and targets were not published in this file: the page says so.
    assert any("aripa forecast" in i.value for i in at.info)


def situations_plantees(publication: Path) -> dict[str, bool]:
    """Each situation the generator plants, looked up in the published alert list."""
    caf, nb_mois, _ = DERIVE_PLANTEE
    with duckdb.connect(str(publication), read_only=True) as con:
        dernier = con.execute("select max(mois) from marts.alertes_mensuelles").fetchone()[0]
        derive = con.execute(
            "select count(*) from marts.alertes_mensuelles where type_alerte = 'derive_caf' and en_alerte "
            "and code_zone = ? and mois > ? and valeur < valeur_reference",
            [caf, pd.Timestamp(dernier) - pd.DateOffset(months=nb_mois)],
        ).fetchone()[0]
        levees = con.execute(
            "select type_alerte, niveau, code_zone, objet from marts.alertes_mensuelles "
            "where en_alerte and mois = ? and type_alerte <> 'derive_caf'",
            [dernier],
        ).fetchall()
    caf_prescription = PRESCRIPTION_PLANTEE[0]
    return {
        "derive_caf": derive == nb_mois,
        "quarantaine": ("quarantaine", "national", "FR", "versements") in levees,
        "prescription": ("prescription", "caf", caf_prescription, "INDUS") in levees,
        "saisie_4e_defail": ("saisie_4e_defail", "national", "FR", "SAISIE") in levees,
    }


def _landing(dossier: Path, nom: str, fichier: str) -> pl.DataFrame:
    """A landing CSV as the network exports it (cp1252, `;`), every value as text, under the
    contract's column names: read apart from ingestion, to check the alerts against the extracts."""
    extraction = contrat()[nom]
    texte = (dossier / fichier).read_bytes().decode("cp1252")
    frame = pl.read_csv(io.StringIO(texte), separator=";", infer_schema=False)
    return frame.rename({c.entete: c.nom for c in extraction.colonnes if c.entete in frame.columns})


def _montant(colonne: str) -> pl.Expr:
    return pl.col(colonne).str.replace(",", ".").cast(pl.Float64)


def _date(colonne: str) -> pl.Expr:
    return pl.col(colonne).str.to_date("%d/%m/%Y")


def _alertes(publication: Path, type_alerte: str) -> pd.DataFrame:
    with duckdb.connect(str(publication), read_only=True) as con:
        alertes = con.execute(
            "select * from marts.alertes_mensuelles where type_alerte = ? order by all", [type_alerte]
        ).df()
    return alertes.assign(mois=pd.to_datetime(alertes["mois"]).dt.date)


def test_les_situations_plantees_sont_dans_la_liste_des_alertes(demo):
    trouvees = situations_plantees(demo["donnees"] / "warehouse" / "publication" / "national.duckdb")
    assert trouvees == {
        "derive_caf": True,
        "quarantaine": True,
        "prescription": True,
        "saisie_4e_defail": True,
    }


def test_chaque_situation_plantee_a_son_chiffre_recompte_dans_les_extractions(demo):
    """Each planted situation's figure recounted from the landing files (not from a mart), against
    the published national alert list, at the right zone and month, and nothing else raised."""
    landing, publication = demo["donnees"] / "landing", demo["donnees"] / "warehouse" / "publication"
    national = publication / "national.duckdb"
    dernier = max(f.name for f in landing.glob("versements_*.csv"))[len("versements_") : -len(".csv")]
    mois = date(int(dernier[:4]), int(dernier[5:]), 1)
    photographie = (pd.Timestamp(mois) + pd.offsets.MonthEnd(0)).date()
    procedures = _landing(landing, "procedures", f"procedures_{dernier}.csv")

    # Quarantine: the re-sent batch. Every payment of the planted Caf's procedures in the last month
    # is in the file twice, nothing else is; the alert's count is those copies, its share over the
    # lines read, against a past of clean files (share 0).
    caf_renvoi, _ = VERSEMENTS_RENVOYES
    versements = _landing(landing, "versements", f"versements_{dernier}.csv")
    doublons = versements.filter(pl.col("versement_id").is_duplicated()).unique("versement_id")
    gerees = procedures.filter(pl.col("code_caf_gestionnaire") == caf_renvoi)["procedure_id"]
    de_la_caf = versements.unique("versement_id").filter(pl.col("procedure_id").is_in(gerees.implode()))
    assert doublons.height == de_la_caf.height > 1000
    assert set(doublons["procedure_id"]) <= set(gerees)
    assert versements.height - versements["versement_id"].n_unique() == doublons.height  # twice, no more
    quarantaine = _alertes(national, "quarantaine")
    levees = quarantaine[quarantaine["en_alerte"]]
    assert levees[["mois", "objet"]].values.tolist() == [[mois, "versements"]]
    alerte = levees.iloc[0]
    assert alerte["nombre"] == doublons.height
    assert alerte["valeur"] == pytest.approx(doublons.height / versements.height)
    assert alerte["valeur_reference"] == 0 and alerte["niveau"] == "national"
    # The copies are quarantined, not loaded: the month's payments are the file's distinct ones.
    base = demo["donnees"] / "warehouse" / "aripa.duckdb"
    with duckdb.connect(str(base), read_only=True) as con:
        lues, chargees, en_quarantaine = con.execute(
            "select lignes_lues, lignes_chargees, lignes_quarantaine from raw.manifeste where fichier = ?",
            [f"versements_{dernier}.csv"],
        ).fetchone()
        regles = con.execute(
            "select regle, count(*) from raw.quarantaine where fichier = ? group by 1",
            [f"versements_{dernier}.csv"],
        ).fetchall()
    assert (lues, chargees, en_quarantaine) == (
        versements.height,
        versements.height - doublons.height,
        doublons.height,
    )
    assert regles == [("cle_en_double", doublons.height)]

    # Prescription: the planted Caf's overpayments implanted 55 to 58 months before, never
    # recovered (last act = implantation), prescribing within 6 months of the photograph.
    caf_prescription, anciennete, nombre = PRESCRIPTION_PLANTEE
    creances = _landing(landing, "creances", f"creances_{dernier}.csv").with_columns(
        _date("date_implantation").alias("implantation"),
        _date("date_prescription").alias("prescription"),
        _montant("solde").alias("solde_euros"),
    )
    proches = creances.filter(
        (pl.col("etat") == "E")
        & (pl.col("prescription") > photographie)
        & (pl.col("prescription") <= (pd.Timestamp(photographie) + pd.DateOffset(months=6)).date())
    )
    assert proches.height == nombre  # the planted ones, and no other in the network
    assert set(proches["code_caf"]) == {caf_prescription} and "OIF" not in set(proches["nature"])
    debut_fenetre = (pd.Timestamp(mois) - pd.DateOffset(months=anciennete)).date()
    assert proches["implantation"].min() >= debut_fenetre
    assert (proches["implantation"] < (pd.Timestamp(debut_fenetre) + pd.DateOffset(months=4)).date()).all()
    assert ((proches["prescription"] - proches["implantation"]).dt.total_days() == 5 * 365 + 1).all()
    montant = round(proches["solde_euros"].sum(), 2)
    prescription = _alertes(national, "prescription")
    levees = prescription[prescription["en_alerte"]]
    assert sorted(levees[["niveau", "code_zone", "objet"]].values.tolist()) == [
        ["caf", caf_prescription, "INDUS"],
        ["national", "FR", "INDUS"],
    ]
    assert (levees["mois"] == mois).all() and (levees["nombre"] == nombre).all()
    assert [float(m) for m in levees["montant"]] == pytest.approx([montant, montant])

    # Seizures after their 3rd DEFAIL: no plant, the seizure model draws them. Recounted from the
    # procedures photograph and every events file: running at the month's end, last DEFAIL rank 3.
    evenements = pl.concat(
        [
            _landing(landing, "evenements", f.name).select(
                "procedure_id", "type_evenement", "date_evenement", "rang_defail"
            )
            for f in sorted(landing.glob("evenements_*.csv"))
        ]
    )
    rangs = (
        evenements.filter(pl.col("type_evenement") == "DEFAIL", _date("date_evenement") <= photographie)
        .group_by("procedure_id")
        .agg(pl.col("rang_defail").cast(pl.Int64).max().alias("rang"))
    )
    en_cours = procedures.filter(
        (pl.col("code_procedure") == "SAISIE")
        & (_date("date_engagement") <= photographie)
        & (pl.col("date_cloture").is_null() | (_date("date_cloture") > photographie))
    ).join(rangs.filter(pl.col("rang") == 3), on="procedure_id")
    saisies = _alertes(national, "saisie_4e_defail")
    alerte = saisies[(saisies["niveau"] == "national") & (saisies["mois"] == mois)].iloc[0]
    assert alerte["en_alerte"] and alerte["nombre"] == en_cours.height > 5
    assert float(alerte["montant"]) == pytest.approx(
        en_cours.select(_montant("montant_mensuel_tc").sum()).item()
    )


def test_le_pilote_d_une_caf_voit_ses_alertes_plantees_et_aucune_d_une_autre_caf(demo):
    """The prescription plant is in the Gironde's file (a pilot scope) with the national level; the
    Haute-Garonne's pilot sees the national alert, never the Gironde's row."""
    publication = demo["donnees"] / "warehouse" / "publication"
    caf_prescription = PRESCRIPTION_PLANTEE[0]
    assert caf_prescription == "331"  # a scope published by the demo (config/lecteurs.toml)
    for fichier, attendues in (
        ("caf_331.duckdb", [["caf", "331"], ["national", "FR"]]),
        ("caf_311.duckdb", [["national", "FR"]]),
    ):
        prescription = _alertes(publication / fichier, "prescription")
        levees = prescription[prescription["en_alerte"]]
        assert sorted(levees[["niveau", "code_zone"]].values.tolist()) == attendues, fichier
        zones = set(_alertes(publication / fichier, "derive_caf")["code_zone"])
        zones |= set(prescription["code_zone"])
        assert zones <= {fichier[4:7], "FR"}, fichier
        quarantaine = _alertes(publication / fichier, "quarantaine")
        assert quarantaine[quarantaine["en_alerte"]]["objet"].tolist() == ["versements"], fichier


def test_les_previsions_ecrites_sont_relues_et_gardees_tant_que_les_series_ne_changent_pas(tmp_path):
    from pipelines.prevision import executer as ex

    mois = np.arange(48)
    serie = _serie(500 + 3 * mois + 20 * np.sin(2 * np.pi * mois / 12))
    resultat = ex.prevoir([serie], origines=[12], fenetre=36)
    assert set(resultat.retro_synthese["modele"]) == {"ets", "saisonnier_naif"}
    assert resultat.retro_synthese["est_retenu"].sum() == 1
    p = resultat.previsions
    assert (
        len(p) == 12 and p["mois"].iloc[0] == date(2024, 1, 1) and p["horizon"].tolist() == list(range(1, 13))
    )
    assert (p["borne_basse_95"] >= 0).all()
    entrepot = tmp_path / "entrepot.duckdb"
    # A warehouse without schema prevision yet, kept open as dbt's run keeps it in `aripa demo`.
    garde = duckdb.connect(str(entrepot))
    cle = ex.empreinte([serie])
    assert ex.deja_calculees(entrepot, cle) is None  # nothing written yet
    calcule_le = ex.ecrire(resultat, entrepot, 1.0, cle)
    assert ex.deja_calculees(entrepot, cle) == calcule_le
    autre = _serie(serie.valeurs + 1)
    assert ex.deja_calculees(entrepot, ex.empreinte([autre])) is None  # new figures: refit
    relu = ex.lire_resultat(entrepot)
    assert relu.previsions["prevision"].tolist() == pytest.approx(p["prevision"].tolist())
    assert relu.retenus == resultat.retenus
    garde.close()


def test_le_chapitre_du_rapport_lit_le_fichier_publie(tmp_path):
    from pipelines.prevision.rapport import chapitre

    _publication_de_test(tmp_path)
    c = chapitre(tmp_path / "warehouse" / "publication" / "national.duckdb")
    # The latest month's alerts raised (the masked cell is not a raised alert).
    assert sorted(c.alertes["code_zone"]) == ["691", "FR"]
    assert c.previsions.empty and c.calcule_le_utc is None  # aripa forecast not run: said, not failed


def test_aripa_forecast_sans_entrepot_le_dit(tmp_path):
    from tests.conftest import aripa

    sortie = aripa("forecast", donnees=tmp_path)
    assert sortie.returncode == 1
    assert "entrepôt absent" in sortie.stdout
