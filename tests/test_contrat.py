"""The contract read from the dbt sources file is complete and coherent."""

from pipelines.contrat import contrat


def test_chaque_extraction_a_un_motif_une_cle_et_des_entetes_uniques():
    extractions = contrat()
    assert set(extractions) == {
        "procedures",
        "plan_recouvrement",
        "versements",
        "asf",
        "creances",
        "mouvements_creances",
        "remises_dettes",
        "evenements",
    }
    for ext in extractions.values():
        entetes = [c.entete for c in ext.colonnes]
        assert len(entetes) == len(set(entetes))
        assert all(k in {c.nom for c in ext.colonnes} for k in ext.cle)
        assert ext.motif().match(ext.nom_fichier("2026-10"))["periode"] == "2026-10"
        assert ext.motif().match("autre_2026-10.csv") is None
        # Each file name is recognised as one extract only (creances_ vs mouvements_creances_).
        nom = ext.nom_fichier("2026-10")
        assert [e.nom for e in extractions.values() if e.motif().match(nom)] == [ext.nom]


def test_codes_caf_viennent_du_seed_et_les_identifiants_sont_pseudonymises():
    procedures = contrat()["procedures"]
    codes = procedures.colonne("code_caf_gestionnaire").valeurs
    assert len(codes) == 102 and {"311", "974", "2A1", "MSA"} <= set(codes)  # 101 Caf + the MSA
    personnels = {c.nom for c in procedures.colonnes if c.personnel}
    assert personnels == {
        "cle_creancier",
        "cle_naissance_creancier",
        "cle_debiteur",
        "cle_naissance_debiteur",
    }
    assert set(procedures.non_stockees) == {
        "Nom créancier",
        "Prénom créancier",
        "Nom débiteur",
        "Prénom débiteur",
    }
