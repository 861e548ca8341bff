"""Files no supplier should be able to break ingestion with (issue 13), each run through `aripa
ingest` as a user does: no traceback, the refused file named with its line and field, the other
files loaded, rows read = loaded + quarantined (blank lines counted apart), no personal value in
any message or manifest column."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import ENTETE_PLAN, ENTETE_PROCEDURES, ENTETE_VERSEMENTS, aripa, requete

BASE = Path("warehouse") / "aripa.duckdb"
ENTETE_PROC_NOMS = ENTETE_PROCEDURES + ";Nom débiteur"  # a name: read past, never stored
# Every personal value the files below carry: none may appear in a message, manifest or quarantine.
PERSONNELS = [
    "1000001", "2000001", "1000002", "2000002", "1000003", "2000003", "1000004", "2000004",
    "1000011", "2000011", "1000012", "2000012", "1000013", "2000013", "1000014", "2000014",
    "Martin", "Goff", "Durand", "Petit", "Bernard", "Lefebvre", "Moreau", "Fournier",
]  # fmt: skip


def procedure(numero: str, creancier: str, debiteur: str, nom: str, caf: str = "311") -> str:
    # Engaged before every payment of the fixture (a payment before its engagement is ordre_incoherent).
    return f"{numero};{creancier};{debiteur};{caf};311;RA;DEF;15/12/2024;20/01/2025;;;100,00;{nom}"


def versement(numero: str, date: str = "10/01/2025", montant: str = "10,00", **autres: str) -> str:
    champs = {"type": "VIR", "provenance": "DEBITEUR", "tc": "10,00", "fj": "0,00"} | autres
    return (
        f"{numero};P1;{date};{montant};{champs['type']};{champs['provenance']};{champs['tc']};0,00;0,00;"
        f"{champs['fj']};0,00"
    )


def ecrire(dossier: Path, nom: str, lignes: list[str], fin: str = "\n", encodage: str = "utf-8") -> None:
    (dossier / nom).write_bytes((fin.join(lignes) + fin).encode(encodage))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict:
    """One landing directory holding every hostile case beside good files, ingested once."""
    donnees = tmp_path_factory.mktemp("hostile")
    depot = donnees / "landing"
    depot.mkdir()
    # (1) a quoted newline in a name: P2 starts on line 3 and ends on line 4; P4 (unknown Caf) is line 6.
    ecrire(
        depot,
        "procedures_2026-02.csv",
        [
            ENTETE_PROC_NOMS,
            procedure("P1", "1000001", "2000001", "Martin"),
            procedure("P2", "1000002", "2000002", '"Le\nGoff"'),
            procedure("P3", "1000003", "2000003", "Durand"),
            procedure("P4", "1000004", "2000004", "Petit", caf="999"),
        ],
        fin="\r\n",
        encodage="cp1252",
    )
    # (3) two stray quotes, one in a file number: each costs its own line, the rest loads.
    lignes = [
        ENTETE_PROC_NOMS,
        procedure("P1", "1000011", "2000011", "Bernard"),
        procedure("P2", "1000012", '"2000012', "Lefebvre"),
        procedure("P3", "1000013", "2000013", "Moreau"),
        procedure("P4", "1000014", "2000014", '"Fournier'),
    ]
    ecrire(depot, "procedures_2026-03.csv", lignes, encodage="cp1252")
    # (2) bare CRs as the only line ends (old Mac export): loads whole.
    plan = [ENTETE_PLAN, *(f"P{i};01/2026;100,00;0,00;0,00;0,00;0,00" for i in (1, 2, 3))]
    ecrire(depot, "plan_2026-01.csv", plan, fin="\r")
    # (2) a UTF-8 BOM, then a cp1252 byte (É of DÉBITEUR) on line 3, field Provenance: refused.
    (depot / "versements_2025-01.csv").write_bytes(
        b"\xef\xbb\xbf"
        + (ENTETE_VERSEMENTS + "\n" + versement("V0101") + "\n").encode("utf-8")
        + (versement("V0102", provenance="DÉBITEUR") + "\n").encode("cp1252")
    )
    # (2) a bare CR inside an unquoted value on line 3: that line only.
    ecrire(
        depot,
        "versements_2025-02.csv",
        [
            ENTETE_VERSEMENTS,
            versement("V0201", date="10/02/2025"),
            versement("V0202", date="10/02/2025", provenance="DEBI\rTEUR"),
            versement("V0203", date="10/02/2025"),
        ],
    )
    # (2) year 0 and a negative year in a date.
    ecrire(
        depot,
        "versements_2025-03.csv",
        [
            ENTETE_VERSEMENTS,
            versement("V0301", date="01/03/0000"),
            versement("V0302", date="01/03/-005"),
            versement("V0303", date="10/03/2025"),
        ],
    )
    # (2) Rich markup in content: a code, and an unclosed quote before it.
    ecrire(
        depot,
        "versements_2025-04.csv",
        [
            ENTETE_VERSEMENTS,
            versement("V0401", date="10/04/2025"),
            versement("V0402", date="10/04/2025", type="[/b]"),
            versement("V0403", date='"[/b]10/04/2025'),
        ],
    )
    # (5) values that must not be silently changed.
    ecrire(
        depot,
        "versements_2025-05.csv",
        [
            ENTETE_VERSEMENTS,
            versement("V0501", date="10/05/2025", montant="１２３,00"),
            versement("V0502", date="10/05/2025", fj="1000000000000,00"),
            versement("V0503", date="01/05/18"),
            versement("V0504", date="10/05/2025", tc="１０"),
            versement("V0505", date="10/05/2025"),
        ],
    )
    # (6) blank lines: not rows, counted apart (lines 3, 5 and 7).
    ecrire(
        depot,
        "versements_2025-06.csv",
        [
            ENTETE_VERSEMENTS,
            versement("V0601", date="10/06/2025"),
            "",
            versement("V0602", date="11/06/2025"),
            "   ",
            versement("V0603", date="12/06/2025"),
            "",
        ],
    )
    # (6) every row from another month than the name's: loaded, flagged.
    ecrire(
        depot,
        "versements_2025-07.csv",
        [ENTETE_VERSEMENTS, versement("V0701", date="10/10/2026"), versement("V0702", date="12/10/2026")],
    )
    # (2) months that do not exist in a file name.
    for nom in ("versements_2025-13.csv", "versements_2025-00.csv", "versements_0000-01.csv"):
        ecrire(depot, nom, [ENTETE_VERSEMENTS, versement("V1301")])
    # (2) any other exception: a Parquet column of lists where an amount is expected.
    colonnes = ENTETE_VERSEMENTS.split(";")
    cadre = pl.DataFrame({c: ["V0801"] for c in colonnes}).with_columns(pl.lit([[1, 2]]).alias("Montant"))
    cadre.write_parquet(depot / "versements_2025-08.parquet")
    # (6) a symbolic link, and a name with a newline.
    ecrire(donnees, "ailleurs.csv", [ENTETE_VERSEMENTS, versement("V0901", date="10/09/2025")])
    (depot / "versements_2025-09.csv").symlink_to(donnees / "ailleurs.csv")
    ecrire(depot, "versements_2025-10.csv\n", [ENTETE_VERSEMENTS, versement("V1001", date="10/10/2025")])
    ecrire(depot, "notes_[bold].txt", ["[/b] rien à voir"])

    resultat = aripa("ingest", donnees=donnees)
    base = donnees / BASE
    manifeste = {
        r[0]: r
        for r in requete(
            base,
            "select fichier, statut, lignes_lues, lignes_chargees, lignes_quarantaine, lignes_vides, message "
            "from raw.manifeste",
        )
    }
    quarantaine = requete(base, "select fichier, ligne, champ, regle, valeur, detail from raw.quarantaine")
    return {
        "donnees": donnees,
        "base": base,
        "resultat": resultat,
        "sortie": resultat.stdout + resultat.stderr,
        "manifeste": manifeste,
        "quarantaine": quarantaine,
    }


def _quarantaine(hostile: dict, fichier: str) -> list[tuple]:
    return sorted(q[1:5] for q in hostile["quarantaine"] if q[0] == fichier)


def _comptes(hostile: dict, fichier: str) -> tuple:
    return hostile["manifeste"][fichier][1:6]


def test_aucune_trace_les_bons_fichiers_charges_et_les_comptes_reconcilies(hostile):
    assert hostile["resultat"].returncode == 0, hostile["sortie"]
    assert "Traceback" not in hostile["sortie"]
    base = hostile["base"]
    for fichier, statut, lues, chargees, en_quarantaine, _, _ in hostile["manifeste"].values():
        if statut != "chargé":
            assert (lues, chargees, en_quarantaine) == (0, 0, 0)
            continue
        assert lues == chargees + en_quarantaine, fichier
        table = "procedures" if fichier.startswith("procedures") else fichier.split("_")[0]
        table = table.replace("plan", "plan_recouvrement")
        en_table = requete(base, f"select count(*) from raw.{table} where _fichier = '{fichier}'")[0][0]
        assert en_table == chargees, fichier
        lignes = {q[1] for q in hostile["quarantaine"] if q[0] == fichier}
        assert len(lignes) == en_quarantaine, fichier
    charges = {f for f, r in hostile["manifeste"].items() if r[1] == "chargé"}
    assert charges == {
        "procedures_2026-02.csv",
        "procedures_2026-03.csv",
        "plan_2026-01.csv",
        *(f"versements_2025-0{m}.csv" for m in range(2, 8)),
    }


def test_1_un_saut_de_ligne_entre_guillemets_est_une_donnee(hostile):
    assert _comptes(hostile, "procedures_2026-02.csv") == ("chargé", 4, 3, 1, 0)
    # P4 starts on physical line 6 (P2 spans lines 3 and 4): the quarantine names line 6.
    assert _quarantaine(hostile, "procedures_2026-02.csv") == [(6, "Caf gestionnaire", "code_inconnu", "999")]
    assert requete(
        hostile["base"],
        "select procedure_id, _ligne from raw.procedures where _periode = '2026-02-01' order by 1",
    ) == [("P1", 2), ("P2", 3), ("P3", 5)]


def test_2_un_mois_13_ou_00_dans_le_nom_refuse_ce_fichier_seul(hostile):
    for nom, mois in (
        ("versements_2025-13.csv", 13),
        ("versements_2025-00.csv", 0),
        ("versements_0000-01.csv", 1),
    ):
        statut, *_, message = hostile["manifeste"][nom][1:]
        assert statut == "refusé", nom
        assert message.startswith(f"{nom} : le mois du nom de fichier n'existe pas"), (nom, mois)
    assert requete(hostile["base"], "select count(*) from raw.versements where versement_id = 'V1301'") == [
        (0,)
    ]


def test_2_une_marque_utf8_suivie_d_octets_cp1252_nomme_ligne_et_champ(hostile):
    statut, *_, message = hostile["manifeste"]["versements_2025-01.csv"][1:]
    assert statut == "refusé"
    assert message.startswith(
        "versements_2025-01.csv, ligne 3, champ « Provenance » : octet 0xc9 illisible en UTF-8"
    )


def test_2_les_cr_seuls_fin_de_ligne_ou_dans_une_valeur(hostile):
    assert _comptes(hostile, "plan_2026-01.csv") == ("chargé", 3, 3, 0, 0)
    assert _comptes(hostile, "versements_2025-02.csv") == ("chargé", 3, 2, 1, 0)
    assert _quarantaine(hostile, "versements_2025-02.csv") == [(3, "Provenance", "ligne_mal_formee", None)]


def test_2_une_annee_0_ou_negative_est_un_format_de_date(hostile):
    assert _comptes(hostile, "versements_2025-03.csv") == ("chargé", 3, 1, 2, 0)
    assert _quarantaine(hostile, "versements_2025-03.csv") == [
        (2, "Date de valeur", "format_date", "01/03/0000"),
        (3, "Date de valeur", "format_date", "01/03/-005"),
    ]


def test_2_du_balisage_rich_dans_le_contenu_ou_le_nom(hostile):
    assert _comptes(hostile, "versements_2025-04.csv") == ("chargé", 3, 1, 2, 0)
    assert _quarantaine(hostile, "versements_2025-04.csv") == [
        (3, "Type", "code_inconnu", "[/b]"),
        (4, "Date de valeur", "ligne_mal_formee", None),
    ]
    assert "notes_[bold].txt" in hostile["sortie"]  # printed as text, not read as markup


def test_2_toute_autre_erreur_refuse_le_fichier_seul(hostile):
    statut, *_, message = hostile["manifeste"]["versements_2025-08.parquet"][1:]
    assert statut == "refusé"
    assert message.startswith("versements_2025-08.parquet : erreur inattendue à la lecture (")
    assert "versements_2025-08.parquet" in hostile["sortie"]


def test_3_un_guillemet_non_ferme_coute_une_ligne_et_aucune_donnee_personnelle(hostile):
    assert _comptes(hostile, "procedures_2026-03.csv") == ("chargé", 4, 2, 2, 0)
    assert _quarantaine(hostile, "procedures_2026-03.csv") == [
        (3, "Matricule débiteur", "ligne_mal_formee", None),
        (5, "Nom débiteur", "ligne_mal_formee", None),
    ]
    textes = [hostile["sortie"]]
    for table in ("manifeste", "quarantaine", "validations"):
        textes += [str(r) for r in requete(hostile["base"], f"select * from raw.{table}")]
    for valeur in PERSONNELS:
        assert not any(valeur in texte for texte in textes), valeur
    messages = [r[-1] for r in hostile["manifeste"].values() if r[-1]]
    assert messages and max(len(m) for m in messages) <= 300


def test_5_aucune_valeur_changee_en_silence(hostile):
    assert _comptes(hostile, "versements_2025-05.csv") == ("chargé", 5, 1, 4, 0)
    assert _quarantaine(hostile, "versements_2025-05.csv") == [
        (2, "Montant", "format_montant", "１２３,00"),
        (3, "Ventilé FJ", "format_montant", "1000000000000,00"),
        (4, "Date de valeur", "format_date", "01/05/18"),
        (5, "Ventilé TC", "format_montant", "１０"),
    ]
    assert requete(
        hostile["base"], "select versement_id from raw.versements where _fichier = 'versements_2025-05.csv'"
    ) == [("V0505",)]


def test_6_les_lignes_vides_sont_comptees_a_part(hostile):
    assert _comptes(hostile, "versements_2025-06.csv") == ("chargé", 3, 3, 0, 3)
    assert requete(
        hostile["base"],
        "select _ligne from raw.versements where _fichier = 'versements_2025-06.csv' order by 1",
    ) == [(2,), (4,), (6,)]


def test_6_un_fichier_sans_ligne_de_son_mois_est_signale(hostile):
    statut, lues, chargees, _, _, message = hostile["manifeste"]["versements_2025-07.csv"][1:]
    assert (statut, lues, chargees) == ("chargé", 2, 2)
    assert message == (
        "aucune ligne du mois 07/2025 que dit le nom du fichier (« Date de valeur » du 10/2026 au 10/2026) : "
        "nom de fichier à vérifier ; lignes chargées"
    )
    assert "versements_2025-07.csv" in hostile["sortie"] and "nom de fichier à vérifier" in hostile["sortie"]


def test_6_lien_symbolique_et_nom_avec_saut_de_ligne_refuses(hostile):
    sortie = hostile["sortie"]
    assert "versements_2025-09.csv : lien symbolique, non suivi" in sortie
    assert "versements_2025-10.csv\\x0a : nom de fichier avec un caractère de contrôle" in sortie
    assert requete(
        hostile["base"], "select count(*) from raw.versements where versement_id in ('V0901', 'V1001')"
    ) == [(0,)]
    assert not [f for f in hostile["manifeste"] if "\n" in f]


def test_6_entrepot_lisible_par_son_seul_proprietaire(hostile):
    assert hostile["base"].stat().st_mode & 0o777 == 0o600


def test_4_cles_uniques_dans_tout_l_entrepot_renvoi_et_retrait(tmp_path):
    depot = tmp_path / "landing"
    depot.mkdir()
    ecrire(
        depot, "procedures_2026-10.csv", [ENTETE_PROCEDURES, procedure("P1", "1", "2", "x").rsplit(";", 1)[0]]
    )
    ecrire(
        depot,
        "versements_2026-10.csv",
        [ENTETE_VERSEMENTS, versement("V10", "10/10/2026"), versement("V11", "11/10/2026")],
    )
    assert aripa("ingest", donnees=tmp_path).returncode == 0
    # October's payments sent again as July's, with one new payment; and one payment in two
    # files of the same run (August first in name order: it wins).
    ecrire(
        depot,
        "versements_2026-07.csv",
        [
            ENTETE_VERSEMENTS,
            versement("V10", "10/10/2026"),
            versement("V11", "11/10/2026"),
            versement("V13", "13/07/2026"),
        ],
    )
    ecrire(depot, "versements_2026-08.csv", [ENTETE_VERSEMENTS, versement("V20", "20/08/2026")])
    ecrire(
        depot,
        "versements_2026-09.csv",
        [ENTETE_VERSEMENTS, versement("V21", "21/09/2026"), versement("V20", "20/08/2026")],
    )
    resultat = aripa("ingest", donnees=tmp_path)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    base = tmp_path / BASE
    doublon = ("N° versement", "cle_en_double")
    assert requete(
        base, "select fichier, ligne, champ, regle, valeur, detail from raw.quarantaine order by all"
    ) == [
        ("versements_2026-07.csv", 2, *doublon, "V10", "déjà chargée depuis versements_2026-10.csv, ligne 2"),
        ("versements_2026-07.csv", 3, *doublon, "V11", "déjà chargée depuis versements_2026-10.csv, ligne 3"),
        (
            "versements_2026-09.csv",
            3,
            *doublon,
            "V20",
            "déjà lue dans ce chargement dans versements_2026-08.csv, ligne 2",
        ),
    ]
    assert requete(base, "select versement_id, _fichier from raw.versements order by 1") == [
        ("V10", "versements_2026-10.csv"),
        ("V11", "versements_2026-10.csv"),
        ("V13", "versements_2026-07.csv"),
        ("V20", "versements_2026-08.csv"),
        ("V21", "versements_2026-09.csv"),
    ]
    assert requete(base, "select message from raw.manifeste where fichier = 'versements_2026-07.csv'") == [
        ("2 ligne(s) en quarantaine (cle_en_double) : clé déjà chargée ou lue dans versements_2026-10.csv",)
    ]
    # A corrected re-send under the same name still replaces that file's rows (its keys are its own).
    ecrire(
        depot,
        "versements_2026-10.csv",
        [
            ENTETE_VERSEMENTS,
            versement("V10", "10/10/2026", montant="12,00", tc="12,00"),
            versement("V11", "11/10/2026"),
        ],
    )
    resultat = aripa("ingest", donnees=tmp_path)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert requete(base, "select montant from raw.versements where versement_id = 'V10'")[0][0] == 12
    assert requete(base, "select count(*) from raw.quarantaine where fichier = 'versements_2026-10.csv'") == [
        (0,)
    ]

    # The operator withdraws July's file: its rows and quarantine go, the manifest says so, and the
    # same file left in the landing zone is not loaded again.
    resultat = aripa("withdraw", "versements_2026-07.csv", "--motif", "paiements d'octobre", donnees=tmp_path)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "1 ligne(s) retirée(s), 2 ligne(s) de quarantaine retirée(s)" in resultat.stdout
    assert requete(base, "select count(*) from raw.versements where _fichier = 'versements_2026-07.csv'") == [
        (0,)
    ]
    assert requete(base, "select count(*) from raw.quarantaine where fichier = 'versements_2026-07.csv'") == [
        (0,)
    ]
    assert requete(
        base,
        "select statut, message from raw.manifeste where fichier = 'versements_2026-07.csv' order by statut",
    ) == [
        (
            "retiré",
            "2 ligne(s) en quarantaine (cle_en_double) : clé déjà chargée ou lue dans versements_2026-10.csv",
        ),
        (
            "retrait",
            "retiré par l'opérateur : 1 ligne(s) chargée(s) et 2 ligne(s) en quarantaine supprimées ; "
            "motif : paiements d'octobre",
        ),
    ]
    resultat = aripa("ingest", donnees=tmp_path)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert requete(base, "select count(*) from raw.manifeste where fichier = 'versements_2026-07.csv'") == [
        (2,)
    ]
    assert requete(base, "select count(*) from raw.versements where _fichier = 'versements_2026-07.csv'") == [
        (0,)
    ]
    resultat = aripa("withdraw", "versements_2026-07.csv", donnees=tmp_path)
    assert resultat.returncode == 1 and "aucun fichier chargé" in resultat.stdout
    assert "Traceback" not in resultat.stdout + resultat.stderr


def _ingerer_sans_variable(donnees: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "ARIPA_CLE_PSEUDONYMISATION"}
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "ingest"],
        env=env | {"ARIPA_DATA_DIR": str(donnees)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("contenu", ["", "00", "ab" * 31])
def test_6_une_cle_courte_est_refusee_du_fichier_comme_de_la_variable(tmp_path, contenu):
    (tmp_path / "landing").mkdir()
    ecrire(tmp_path / "landing", "plan_2026-01.csv", [ENTETE_PLAN])
    (tmp_path / "cles").mkdir()
    (tmp_path / "cles" / "pseudonymisation.key").write_text(contenu)
    resultat = _ingerer_sans_variable(tmp_path)
    assert resultat.returncode == 1
    assert "clé trop courte" in resultat.stdout and "Traceback" not in resultat.stdout + resultat.stderr
    env = os.environ | {"ARIPA_DATA_DIR": str(tmp_path), "ARIPA_CLE_PSEUDONYMISATION": contenu or "0"}
    resultat = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "ingest"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert resultat.returncode == 1 and "Traceback" not in resultat.stdout + resultat.stderr
    assert "clé trop courte" in resultat.stdout or "hexadécimal" in resultat.stdout


def test_6_fichier_de_cle_cree_entier_et_en_mode_600(tmp_path, monkeypatch):
    from pipelines.ingestion.pseudonymisation import charger_cle

    monkeypatch.delenv("ARIPA_CLE_PSEUDONYMISATION", raising=False)
    premiere = charger_cle(tmp_path / "cles")
    fichier = tmp_path / "cles" / "pseudonymisation.key"
    assert fichier.stat().st_mode & 0o777 == 0o600
    assert len(bytes.fromhex(fichier.read_text())) == 32
    assert [p.name for p in (tmp_path / "cles").iterdir()] == ["pseudonymisation.key"]  # no temporary left
    assert charger_cle(tmp_path / "cles").empreinte == premiere.empreinte


def test_6_fichiers_publies_en_mode_640(petit_entrepot):
    """Every reader scope's published file: its owner, and the dashboards' group, only."""
    fichiers = sorted((petit_entrepot / "warehouse" / "publication").glob("*.duckdb"))
    assert {"comite.duckdb", "national.duckdb"} <= {f.name for f in fichiers}
    assert {f.name: f.stat().st_mode & 0o777 for f in fichiers} == {f.name: 0o640 for f in fichiers}
