"""`aripa demo --no-serve`, run twice on one data directory: same figures, no duplicated rows."""

from __future__ import annotations

import re

from tests.conftest import requete


def test_deux_demos_donnent_les_memes_indicateurs(demo):
    publication = demo["donnees"] / "warehouse" / "publication" / "aripa.duckdb"
    seconde = requete(
        publication, "select * from marts.taux_recouvrement_flux_mensuel order by niveau, code_zone, mois"
    )
    assert len(seconde) > 0
    assert seconde == demo["kpi_premiere"]


def test_la_seconde_demo_ne_recharge_rien_et_ne_duplique_rien(demo):
    assert "déjà chargé" in demo["sortie_2"]
    base = demo["donnees"] / "warehouse" / "publication" / "aripa.duckdb"
    for table, cle in (("procedures", "procedure_id"), ("versements", "versement_id")):
        total, distinct = requete(base, f"select count(*), count(distinct {cle}) from raw.{table}")[0]
        assert total == distinct > 0
    # 1 procedures snapshot + 178 months x (plan, payments, ASF) from 2012-01 to 2026-10
    assert requete(base, "select count(*), count(distinct fichier) from raw.manifeste")[0] == (535, 535)


def test_les_comptes_de_la_demo_se_reconcilient(demo):
    from pipelines.contrat import contrat

    base = demo["donnees"] / "warehouse" / "publication" / "aripa.duckdb"
    lues, chargees, quarantaine = requete(
        base, "select sum(lignes_lues), sum(lignes_chargees), sum(lignes_quarantaine) from raw.manifeste"
    )[0]
    en_base = sum(requete(base, f"select count(*) from raw.{nom}")[0][0] for nom in contrat())
    assert lues == chargees + quarantaine == en_base > 4_000_000


def test_le_taux_national_de_la_demo_suit_les_taux_publies(demo):
    """Year by year, the demo's national TC rate is within 10 % of the published rate (domain.md)."""
    base = demo["donnees"] / "warehouse" / "publication" / "aripa.duckdb"
    publies = {2015: 0.44, 2016: 0.56, 2017: 0.617, 2018: 0.636, 2019: 0.65}
    annuels = dict(
        requete(
            base,
            "select year(mois), sum(montant_encaisse_tc) / sum(montant_attendu_tc) "
            "from marts.taux_recouvrement_flux_mensuel where niveau = 'national' group by 1",
        )
    )
    for annee, publie in publies.items():
        assert abs(float(annuels[annee]) / publie - 1) < 0.10, (annee, annuels[annee], publie)


def test_la_demo_affiche_ses_etapes_et_leurs_durees(demo):
    sortie = demo["sortie_1"]
    for etape in (
        "Génération",
        "Ingestion",
        "Construction des indicateurs",
        "Publication",
        "Démonstration prête",
    ):
        assert etape in sortie
    trouve = re.search(r"(\d+) seeds, (\d+) modèles, (\d+) tests de données, (\d+) tests unitaires", sortie)
    assert trouve is not None
    seeds, modeles, tests, unitaires = map(int, trouve.groups())
    assert seeds >= 5 and modeles >= 10 and tests >= 60 and unitaires >= 3
