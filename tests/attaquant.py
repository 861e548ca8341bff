"""The attacker of the statistical secrecy: what can a reader rebuild from the published cells?

Written independently of the dbt macro `secret_statistique`: the structures below are what a reader
knows from the published tables themselves (the zone hierarchy of `dim_zones`, the ENSEMBLE rows,
the months of a year), not the groups the macro builds.

For each table, every additive structure gives one equation "total - sum of the parts = 0" over an
additive measure. The published cells are known; the masked cells are the unknowns. A masked cell
is recoverable when its value is the same in every solution of the system, i.e. when its unit
vector lies in the row space of the system restricted to the unknowns: equivalently, when every
vector of the null space of that matrix is zero on it. One subtraction (a group with a single masked
cell) is the simplest case; the rank computation finds every linear combination too. Bounds from
non-negativity (interval attacks) are not computed here.

`python -m tests.attaquant DATA_DIR` prints, per mart, the cells masked (primary, inherited,
secondary), the recoverable ones, and the share of the national total the masked Caf cells hold.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Structure:
    """What a reader knows of a mart: its cell dimensions, which of them have an ENSEMBLE total, the
    count of people a published cell must reach, and one additive measure (to check the equations)."""

    dimensions: list[str]
    comptage: str | None
    mesure: str
    totaux: list[str] = field(default_factory=list)


MARTS: dict[str, Structure] = {
    "taux_recouvrement_flux_mensuel": Structure(
        ["mois", "code_procedure", "phase_recouvrement"],
        "nb_debiteurs",
        "montant_attendu_total",
        ["code_procedure", "phase_recouvrement"],
    ),
    "taux_recouvrement_flux_annuel": Structure(
        ["annee", "code_procedure", "phase_recouvrement"],
        None,
        "montant_attendu_total",
        ["code_procedure", "phase_recouvrement"],
    ),
    "taux_recouvrement_glissant_12_mois": Structure(
        ["mois", "code_procedure", "phase_recouvrement"],
        None,
        "montant_attendu_total",
        ["code_procedure", "phase_recouvrement"],
    ),
    "arrieres_part_dossiers_payant_annuel": Structure(["annee"], "nb_debiteurs", "nb_dossiers_avec_arrieres"),
    "comparaison_cafs_standardisee_annuelle": Structure(["annee"], "nb_debiteurs", "montant_attendu_tc"),
    "procedures_actives_mensuel": Structure(
        ["mois", "code_procedure", "stade"], "nb_debiteurs", "procedures_actives"
    ),
    "procedures_entrees_sorties_mensuel": Structure(["mois", "code_procedure"], "nb_debiteurs", "entrees"),
    "delai_premier_versement_annuel": Structure(
        ["annee_engagement", "code_procedure"],
        "nb_debiteurs_avec_versement",
        "nb_engagees",
        ["code_procedure"],
    ),
    "remises_dettes_annuel": Structure(
        ["annee", "instance", "position_seuil", "responsabilite", "tranche_qf"], "nb_demandes", "nb_demandes"
    ),
    "creances_mouvements_mensuel": Structure(["mois", "famille"], "nb_debiteurs", "montant_implante"),
    "creances_proches_prescription": Structure(
        ["mois_photographie", "famille"], "nb_debiteurs", "solde_en_cours"
    ),
    "taux_recouvrement_financier_annuel": Structure(["annee", "famille"], "nb_debiteurs", "montant_cree"),
    "asf_beneficiaires_mensuel": Structure(["mois", "nature_asf"], "nombre_familles", "nombre_familles"),
    "saisies_prestations_mensuel": Structure(["mois"], "saisies_actives", "saisies_actives"),
    # One level, no sum between its rows: the attacker has nothing to solve, the scan applies.
    "comparaison_reseau_cafs_annuelle": Structure(["annee"], None, "nb_cafs_comparables"),
    # Issue 20. The curves' two axes are two tables (their common ENSEMBLE rows in the first); the
    # targets, the control chart and the alert list hold rates and flags, no sum to solve.
    "courbes_recouvrement_cohortes": Structure(
        ["annee_cohorte", "code_procedure"], "nb_debiteurs", "nb_procedures", ["code_procedure"]
    ),
    "courbes_recouvrement_cohortes_statut": Structure(
        ["annee_cohorte", "statut_debiteur"], "nb_debiteurs", "nb_procedures"
    ),
    "saisies_proches_4e_defail_mensuel": Structure(["mois"], "nb_debiteurs", "nb_saisies_3_defail"),
}

# A mart summing the months of another, cell by cell: (derived, monthly, how a month maps to the
# derived cell's period). The derived cell must be masked whenever one of its months is.
PERIODES = [
    ("taux_recouvrement_flux_annuel", "taux_recouvrement_flux_mensuel", "annee"),
    ("taux_recouvrement_glissant_12_mois", "taux_recouvrement_flux_mensuel", "fenetre_12_mois"),
]

NIVEAUX_CAF = ["caf_gestionnaire", "caf_residence", "caf"]


def _cle(cadre: pd.DataFrame, colonnes: list[str]) -> pd.Series:
    cle = pd.Series("", index=cadre.index)
    for c in colonnes:
        cle = cle + "|" + cadre[c].astype(str)
    return cle


def equations(cadre: pd.DataFrame, structure: Structure, zones: pd.DataFrame) -> pd.DataFrame:
    """Every sum a reader can subtract within, as (equation, row, coefficient): +1 for the total,
    -1 for each part. `cadre` is indexed 0..n-1."""
    parents = zones[["type_zone", "code_zone", "code_departement_parent", "code_region_parent"]]
    cadre = cadre[["niveau", "type_zone", "code_zone", *structure.dimensions]].merge(
        parents, on=["type_zone", "code_zone"], how="left"
    )
    cadre.index = range(len(cadre))
    cle = _cle(cadre, structure.dimensions)
    hors_totaux = _cle(cadre, [d for d in structure.dimensions if d not in structure.totaux])
    niveau = cadre["niveau"]
    niveaux = set(niveau)
    territoriale = "caf_residence" if "caf_residence" in niveaux else ("caf" if "caf" in niveaux else None)
    morceaux = []  # (group key of each total, mask of the totals, group key of each part, mask of the parts)

    def ajouter(
        nom: str, cle_total: pd.Series, totaux: pd.Series, cle_parties: pd.Series, parties: pd.Series
    ) -> None:
        morceaux.append((nom + "#" + cle_total[totaux], nom + "#" + cle_parties[parties]))

    national = niveau == "national"
    for n in NIVEAUX_CAF:
        ajouter("national>" + n, cle, national, cle, niveau == n)
    departement = cadre["code_departement_parent"]
    region = cadre["code_region_parent"]
    if territoriale:
        ajouter(
            "departement>caf",
            cadre["code_zone"] + cle,
            niveau == "departement",
            departement.fillna("") + cle,
            (niveau == territoriale) & departement.notna(),
        )
        ajouter(
            "national>region",
            cle,
            national,
            cle,
            (niveau == "region") | ((niveau == territoriale) & departement.isna()),
        )
    elif "region" in niveaux:
        ajouter("national>region", cle, national, cle, niveau == "region")
    ajouter(
        "region>departement",
        cadre["code_zone"] + cle,
        niveau == "region",
        region.fillna("") + cle,
        (niveau == "departement") & region.notna(),
    )
    if structure.totaux:
        ensemble = (cadre[structure.totaux] == "ENSEMBLE").all(axis=1)
        zone = niveau + "#" + cadre["code_zone"] + hors_totaux
        ajouter("ensemble", zone, ensemble, zone, ~ensemble)

    lignes = []
    for cles_totaux, cles_parties in morceaux:
        totaux = pd.DataFrame({"groupe": cles_totaux.values, "ligne": cles_totaux.index, "coefficient": 1.0})
        parties = pd.DataFrame(
            {"groupe": cles_parties.values, "ligne": cles_parties.index, "coefficient": -1.0}
        )
        # A total without parts, or parts without their total, is no equation.
        parties = parties[parties["groupe"].isin(set(totaux["groupe"]))]
        totaux = totaux[totaux["groupe"].isin(set(parties["groupe"]))]
        lignes += [totaux, parties]
    if not lignes:
        return pd.DataFrame({"equation": [], "ligne": [], "coefficient": []})
    tout = pd.concat(lignes, ignore_index=True)
    tout["equation"] = pd.factorize(tout["groupe"])[0]
    return tout[["equation", "ligne", "coefficient"]]


def recuperables(masque: np.ndarray, systeme: pd.DataFrame) -> set[int]:
    """The masked cells whose value every solution of the system shares (see the module's docstring)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    inconnues = systeme[masque[systeme["ligne"].to_numpy(dtype=int)]]
    if inconnues.empty:
        return set()
    cellules, colonne = np.unique(inconnues["ligne"].to_numpy(dtype=int), return_inverse=True)
    equations_, ligne = np.unique(inconnues["equation"].to_numpy(dtype=int), return_inverse=True)
    # Unknowns linked through an equation form one component: each one is solved alone.
    n = len(cellules)
    graphe = coo_matrix((np.ones(len(colonne)), (colonne, n + ligne)), shape=(n + len(equations_),) * 2)
    _, etiquettes = connected_components(graphe, directed=False)
    trouves: set[int] = set()
    coefficients = inconnues["coefficient"].to_numpy()
    composante_terme = etiquettes[colonne]
    ordre = np.argsort(composante_terme, kind="stable")
    bornes = np.flatnonzero(np.diff(composante_terme[ordre])) + 1
    for termes in np.split(ordre, bornes):
        cols, colonne_locale = np.unique(colonne[termes], return_inverse=True)
        _, ligne_locale = np.unique(ligne[termes], return_inverse=True)
        matrice = np.zeros((ligne_locale.max() + 1, len(cols)))
        matrice[ligne_locale, colonne_locale] = coefficients[termes]
        # Every right singular vector (vt square), but U only as wide as needed: with more equations
        # than unknowns a full U (equations x equations) was most of the attack's time.
        _, valeurs, vt = np.linalg.svd(matrice, full_matrices=matrice.shape[0] < matrice.shape[1])
        rang = int((valeurs > 1e-9 * max(1.0, valeurs.max(initial=0.0))).sum())
        noyau = vt[rang:]  # rows spanning the null space
        # Without a null space every unknown is determined.
        determines = np.abs(noyau).max(axis=0) < 1e-9 if len(noyau) else np.ones(len(cols), dtype=bool)
        trouves |= {int(cellules[cols[j]]) for j in np.flatnonzero(determines)}
    return trouves


@dataclass
class Bilan:
    mart: str
    cellules: int
    primaires: int
    herites: int
    secondaires: int
    recuperables: list[dict]
    sous_le_seuil: int
    equations_fausses: int
    part_masquee_caf: float | None


def attaquer(
    publication: Path, entrepot: Path | None = None, seuil: int = 5, progression: bool = False
) -> list[Bilan]:
    """Play the attacker on every mart of a published file. With the full warehouse beside it, also
    check that each equation the attacker uses does hold on the true values (the structure is real)."""
    bilans = []
    with duckdb.connect(str(publication), read_only=True) as con:
        zones = con.execute("select * from marts.dim_zones").df()
        publiees = {
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
        for mart, structure in MARTS.items():
            if mart not in publiees:
                continue
            cadre = con.execute(f"select * from marts.{mart}").df()
            vrai = None
            if entrepot is not None:
                with duckdb.connect(str(entrepot), read_only=True) as source:
                    vrai = source.execute(f"select * from marts.{mart}").df()
            bilans.append(_bilan(mart, structure, cadre, vrai, zones, seuil))
            if progression:
                b = bilans[-1]
                print(
                    mart, b.cellules, b.primaires, b.herites, b.secondaires, len(b.recuperables), flush=True
                )
    return bilans


def _bilan(mart, structure, cadre, vrai, zones, seuil) -> Bilan:
    trouves: list[dict] = []
    fausses = 0
    ordre = ["niveau", "code_zone", *structure.dimensions]
    cadre = cadre.sort_values(ordre, na_position="first").reset_index(drop=True)
    if vrai is not None:
        vrai = vrai.sort_values(ordre, na_position="first").reset_index(drop=True)
    systeme = equations(cadre, structure, zones)
    masque = ~cadre["est_diffusable"].to_numpy(dtype=bool)
    for i in sorted(recuperables(masque, systeme)):
        trouves.append(cadre.loc[i, ["niveau", "code_zone", *structure.dimensions]].to_dict())
    if vrai is not None and len(systeme):
        valeurs = vrai[structure.mesure].astype(float).to_numpy()
        somme = np.bincount(systeme["equation"], weights=systeme["coefficient"] * valeurs[systeme["ligne"]])
        totaux = systeme[systeme["coefficient"] > 0]
        echelle = np.zeros(len(somme))
        echelle[totaux["equation"]] = np.abs(valeurs[totaux["ligne"]])
        fausses = int((np.abs(somme) > 0.01 + 1e-9 * echelle).sum())
    publie = cadre[cadre["est_diffusable"]]
    sous_le_seuil = int((publie[structure.comptage] < seuil).sum()) if structure.comptage else 0
    motifs = cadre["motif_secret"].value_counts()
    part = None
    if vrai is not None:
        territoriale = next((n for n in ("caf_residence", "caf") if n in set(vrai["niveau"])), None)
        if territoriale:
            niveau = vrai[vrai["niveau"] == territoriale]
            if structure.totaux:
                niveau = niveau[(niveau[structure.totaux] == "ENSEMBLE").all(axis=1)]
            total = niveau[structure.mesure].astype(float).sum()
            masque = niveau[~niveau["est_diffusable"]][structure.mesure].astype(float).sum()
            part = masque / total if total else None
    return Bilan(
        mart,
        len(cadre),
        int(motifs.get("primaire", 0)),
        int(motifs.get("herite", 0)),
        int(motifs.get("secondaire", 0)),
        trouves,
        sous_le_seuil,
        fausses,
        part,
    )


def heritages_manquants(publication: Path) -> dict[str, int]:
    """Derived cells (a year, a 12-month window) published although one of their months is masked:
    with the other months published, that month would be one subtraction away."""
    manquants = {}
    with duckdb.connect(str(publication), read_only=True) as con:
        for derive, mensuel, periode in PERIODES:
            structure = MARTS[derive]
            autres = [d for d in structure.dimensions if d not in ("annee", "mois")]
            cles = ", ".join(["niveau", "code_zone", *autres])
            jointure = " and ".join(f"d.{c} = m.{c}" for c in ["niveau", "code_zone", *autres])
            if periode == "annee":
                condition = "d.annee = year(m.mois)"
            else:
                condition = "m.mois <= d.mois and m.mois > d.mois - interval 12 month"
            (n,) = con.execute(
                f"select count(*) from (select distinct {', '.join('d.' + c for c in cles.split(', '))}, "
                f"d.{'annee' if periode == 'annee' else 'mois'} from marts.{derive} d "
                f"join marts.{mensuel} m on {jointure} and {condition} "
                f"where d.est_diffusable and not m.est_diffusable)"
            ).fetchone()
            manquants[derive] = int(n)
    return manquants


if __name__ == "__main__":
    donnees = Path(sys.argv[1] if len(sys.argv) > 1 else "data")
    publication = donnees / "warehouse" / "publication" / "national.duckdb"
    if not publication.exists():
        publication = donnees / "warehouse" / "aripa.duckdb"
    for b in attaquer(publication, donnees / "warehouse" / "aripa.duckdb", progression=True):
        part = f"{b.part_masquee_caf:.2%}" if b.part_masquee_caf is not None else "-"
        print(
            f"{b.mart}: {b.cellules} cellules, masquées {b.primaires} primaires + {b.herites} héritées + "
            f"{b.secondaires} secondaires ; récupérables {len(b.recuperables)} ; publiées sous le seuil "
            f"{b.sous_le_seuil} ; équations fausses {b.equations_fausses} ; part masquée (Caf) {part}"
        )
    print(heritages_manquants(publication))
