"""The demo generator: deterministic per seed, and formatted as the network's exports are."""

import json
import re
from datetime import date
from pathlib import Path

import pytest

from pipelines.generation.demo import generer

PERIODE = {"debut": date(2026, 1, 1), "fin": date(2026, 3, 1)}


def _octets(dossier: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(dossier.iterdir())}


def test_meme_graine_memes_octets_autre_graine_autres_fichiers(tmp_path):
    generer(tmp_path / "a", graine=7, **PERIODE)
    generer(tmp_path / "b", graine=7, **PERIODE)
    generer(tmp_path / "c", graine=8, **PERIODE)
    a, b, c = _octets(tmp_path / "a"), _octets(tmp_path / "b"), _octets(tmp_path / "c")
    mois = ("2026-01", "2026-02", "2026-03")
    toujours = {
        f"{extraction}_{m}.csv"
        for extraction in ("asf", "plan", "versements", "mouvements_creances")
        for m in mois
    } | {"procedures_2026-03.csv", "creances_2026-03.csv"}
    # Events and write-off requests are rare at demo scale: a month may have none, hence no file.
    possibles = toujours | {f"{e}_{m}.csv" for e in ("evenements", "remises_dettes") for m in mois}
    assert toujours <= set(a) <= possibles
    assert a == b
    communs = set(a) & set(c)
    assert communs >= toujours and all(a[nom] != c[nom] for nom in communs)


@pytest.mark.parametrize("format", ["parquet", "xlsx"])
def test_parquet_et_xlsx_sont_aussi_deterministes(tmp_path, format):
    un_mois = {"debut": date(2026, 3, 1), "fin": date(2026, 3, 1)}
    generer(tmp_path / "a", graine=7, format=format, **un_mois)
    generer(tmp_path / "b", graine=7, format=format, **un_mois)
    a, b = _octets(tmp_path / "a"), _octets(tmp_path / "b")
    assert "procedures_2026-03." + format in a and all(nom.endswith(format) for nom in a)
    assert a == b


def test_format_reseau_point_virgule_cp1252_virgule_decimale_dates_francaises(tmp_path):
    generer(tmp_path, graine=1, **PERIODE)
    brut = (tmp_path / "versements_2026-02.csv").read_bytes()
    assert b"\r\n" in brut
    texte = brut.decode("cp1252")
    entete, premiere = texte.split("\r\n")[:2]
    assert entete.startswith("N° versement;N° procédure;Date de valeur;Montant;")
    champs = premiere.split(";")
    assert re.fullmatch(r"\d{2}/02/2026", champs[2])
    assert re.fullmatch(r"\d+,\d{2}", champs[3])
    with_utf8 = "N° procédure".encode("cp1252")
    assert with_utf8 in brut  # é and ° written as single cp1252 bytes


def test_periode_vide_refusee(tmp_path):
    with pytest.raises(ValueError, match="période vide"):
        generer(tmp_path, debut=date(2026, 5, 1), fin=date(2026, 1, 1))


def test_les_donnees_personnelles_sont_dans_l_extraction_et_la_verite_a_part(tmp_path):
    generer(tmp_path / "landing", graine=3, **PERIODE)
    entete = (tmp_path / "landing" / "procedures_2026-03.csv").read_bytes().decode("cp1252").split("\r\n")[0]
    for colonne in ("Matricule débiteur", "Date de naissance débiteur", "Nom débiteur", "Prénom créancier"):
        assert colonne in entete.split(";")
    verite = json.loads((tmp_path / "verite" / "verite_gipa.json").read_text(encoding="utf-8"))
    effets = verite["taux_recouvrement_tc"]["par_departement"]
    assert len(effets) == 20 and {"01", "59", "75", "974"} <= set(effets)
    assert all(0.02 <= e["hausse_propension"] <= 0.20 for e in effets.values())
    assert not any(p.name.startswith("verite") for p in (tmp_path / "landing").iterdir())


def test_remises_suivent_le_referentiel_et_saisies_les_regles_du_seed_002():
    import numpy as np
    import polars as pl

    from pipelines.generation.creances import simuler_creances
    from pipelines.generation.demo import VERS_CONTRAT, parametres
    from pipelines.generation.modele import simuler_procedures
    from pipelines.generation.saisies import simuler_evenements

    p = parametres(5, 0.05, date(2012, 1, 1), date(2026, 10, 1))
    rng = np.random.default_rng(5)
    procedures = simuler_procedures(p, rng).rename(VERS_CONTRAT)
    remises = simuler_creances(procedures, p, rng).remises
    assert remises.height > 500
    # The PRP parts as NSF shows them (seed 002), the QF itself is computed in dbt (int_remises_dettes).
    assert "qf_prp" not in remises.columns
    assert set(remises["nombre_parts"].unique().to_list()) <= {1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0}
    assert (
        remises["charges_logement"] < remises["ressources_mensuelles"] + remises["prestations_mensuelles"]
    ).all()
    # A child's death: automatic referral to the CRA, written off in full (seed 004).
    deces = remises.filter(pl.col("responsabilite") == "DECES_ENFANT", pl.col("decision") != "ATTENTE")
    assert deces.height > 0
    assert deces["canal"].unique().to_list() == ["AUTO"] and deces["instance"].unique().to_list() == ["CRA"]
    assert (deces["montant_remis"] == deces["montant_demande"]).all()
    # Services decide only below the Caf's threshold: at most 2 x 1.5 x the highest BMAF.
    assert remises.filter(pl.col("instance") == "SERVICES")["montant_demande"].max() <= 2 * 1.5 * 478.16
    assert (remises["montant_remis"] <= remises["montant_demande"]).all()
    decisions = remises.group_by("decision").len()
    assert set(decisions["decision"]) == {"TOTALE", "PARTIELLE", "REFUS", "ATTENTE"}
    refus = remises.filter(pl.col("decision") == "REFUS")
    assert (refus["montant_remis"] == 0).all()

    evenements = simuler_evenements(procedures, p, rng)
    defail = evenements.filter(pl.col("type_evenement") == "DEFAIL")
    assert defail["rang_defail"].max() == 4
    quatriemes = defail.filter(pl.col("rang_defail") == 4).join(procedures, on="procedure_id")
    assert (quatriemes["motif_cloture"] == "DEFAIL").all()
    assert (quatriemes["date_evenement"] == quatriemes["date_cloture"]).all()
    assert (quatriemes["suite"] == "CLOTURE").all()
    longues = evenements.filter(pl.col("type_evenement") == "SUSPENSION", pl.col("duree_suspension_mois") > 3)
    longues = longues.join(procedures, on="procedure_id")
    assert longues.height > 0 and (longues["motif_cloture"] == "SUSP").all()
    assert ((longues["date_cloture"] - longues["date_evenement"]).dt.total_days() == 91).all()


def test_aucun_versement_avant_l_engagement_de_sa_procedure():
    """Issue 12: a third of the recovery procedures had their first payment dated before the
    engagement, inside the engagement month. The generator must never draw one."""
    import numpy as np
    import polars as pl

    from pipelines.generation.demo import VERS_CONTRAT, parametres
    from pipelines.generation.modele import simuler_mensualites, simuler_procedures

    p = parametres(5, 0.02, date(2024, 1, 1), date(2026, 10, 1))
    rng = np.random.default_rng(5)
    procedures = simuler_procedures(p, rng).rename(VERS_CONTRAT)
    versements = simuler_mensualites(procedures, p, rng).versements.join(
        procedures.select("procedure_id", "date_engagement"), on="procedure_id"
    )
    mois_engagement = versements.filter(
        pl.col("date_valeur").dt.truncate("1mo") == pl.col("date_engagement").dt.truncate("1mo")
    )
    assert mois_engagement.height > 1000  # payments in the engagement month exist, and are checked
    assert versements.filter(pl.col("date_valeur") < pl.col("date_engagement")).height == 0
    assert versements["date_valeur"].dt.day().max() <= 28
