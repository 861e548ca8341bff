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
    assert requete(base, "select count(*), count(distinct fichier) from raw.manifeste")[0] == (13, 13)


def test_les_comptes_de_la_demo_se_reconcilient(demo):
    base = demo["donnees"] / "warehouse" / "publication" / "aripa.duckdb"
    lues, chargees, quarantaine = requete(
        base, "select sum(lignes_lues), sum(lignes_chargees), sum(lignes_quarantaine) from raw.manifeste"
    )[0]
    en_base = requete(
        base, "select (select count(*) from raw.procedures) + (select count(*) from raw.versements)"
    )[0][0]
    assert lues == chargees + quarantaine == en_base


def test_le_taux_national_de_la_demo_est_realiste(demo):
    """The demo's national TC rate sits near the published 65 % (domain.md) in every month."""
    base = demo["donnees"] / "warehouse" / "publication" / "aripa.duckdb"
    taux = [
        t
        for (t,) in requete(
            base,
            "select taux_recouvrement_tc from marts.taux_recouvrement_flux_mensuel where niveau = 'national'",
        )
    ]
    assert len(taux) == 12
    assert all(0.55 <= t <= 0.72 for t in taux), taux


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
