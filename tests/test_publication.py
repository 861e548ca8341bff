"""The dashboards read a published copy: a reader never blocks a build, a failed build publishes nothing."""

from __future__ import annotations

import shutil

import duckdb

from tests.conftest import ENTETE_PROCEDURES, aripa, ecrire_jeu, requete


def test_un_lecteur_ouvert_ne_bloque_pas_la_construction_et_garde_l_ancienne_copie(
    petit_entrepot, tmp_path, monkeypatch
):
    donnees = tmp_path / "donnees"
    shutil.copytree(petit_entrepot, donnees)
    # The hand-made set describes 3 débiteurs: below the threshold of 5 every value would be
    # published empty. Threshold 1 here, so that the published value itself can be compared.
    monkeypatch.setenv("ARIPA_SEUIL_SECRET_STATISTIQUE", "1")
    assert aripa("build", donnees=donnees).returncode == 0
    publication = donnees / "warehouse" / "publication" / "national.duckdb"
    lecteur = duckdb.connect(str(publication), read_only=True)  # a dashboard session
    try:
        with duckdb.connect(str(donnees / "warehouse" / "aripa.duckdb")) as con:
            con.execute("update raw.versements set montant_tc = 0 where versement_id = 'V1'")
            # As a reload of that month would: the incremental models recompute the months of files
            # loaded since the last build.
            con.execute("update raw.manifeste set charge_le = now() where fichier = 'versements_2026-01.csv'")
        resultat = aripa("build", donnees=donnees)
        assert resultat.returncode == 0, resultat.stdout + resultat.stderr
        sql = (
            "select montant_encaisse_tc from marts.taux_recouvrement_flux_mensuel "
            "where niveau = 'national' and code_procedure = 'ENSEMBLE' and mois = date '2026-01-01'"
        )
        assert float(lecteur.execute(sql).fetchall()[0][0]) == 150.00  # still the copy it opened
    finally:
        lecteur.close()
    assert float(requete(publication, sql)[0][0]) == 50.00  # a new session sees the new build


def test_une_construction_en_echec_ne_publie_rien(petit_entrepot, tmp_path):
    donnees = tmp_path / "donnees"
    shutil.copytree(petit_entrepot, donnees)
    publication = donnees / "warehouse" / "publication" / "national.duckdb"
    avant = publication.read_bytes()
    # A monthly TC of 500 000 EUR passes ingestion (amounts up to 1 000 000 EUR) but not the
    # staging model's range test: the build fails.
    ecrire_jeu(
        donnees / "landing",
        {
            "procedures_2026-03.csv": [
                ENTETE_PROCEDURES,
                "P9;1000009;2000009;311;311;RA;DEF;15/12/2025;20/01/2026;;;500000,00",
            ]
        },
    )
    assert aripa("ingest", donnees=donnees).returncode == 0
    resultat = aripa("build", donnees=donnees)
    assert resultat.returncode == 1
    assert (
        "test « entre » sur stg_extractions__procedures.montant_mensuel_tc : 1 ligne(s) en défaut"
        in resultat.stdout
    )
    assert "lignes conservées dans" in resultat.stdout
    assert "rien n'est publié" in resultat.stdout
    assert publication.read_bytes() == avant
