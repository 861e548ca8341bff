"""Read the report's figures from the published file of its scope (never the warehouse being built).

The file is the one pipelines/publication.py wrote for the scope (pipelines/portees.py): a local
committee's report opens its Caf's file, which holds no other Caf's rows, so it cannot show them.
Every figure is a mart's value, read as published: no KPI is computed here. What is done here is
only choosing rows (zone, month, year), comparing a value with the month or year before (a
difference of two published figures), and adding published cells that add up by the mart's own
documentation (procedure types of a stock); a sum that includes a masked cell is masked itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.config import Chemins
from pipelines.portees import Portee, nom_fichier

# The experiment's milestones drawn on every trend (domain.md, "Timeline").
JALONS = (
    (date(2014, 10, 1), "GIPA : expérimentation"),
    (date(2016, 4, 1), "Généralisation"),
    (date(2017, 10, 1), "Référentiel des remises"),
    (date(2020, 10, 1), "Intermédiation financière"),
)
MASQUE = "secret"  # what a masked cell reads as: never 0, never left out


class RapportImpossible(ValueError):
    """No report can be written (nothing published, or no data for the period asked)."""


@dataclass(frozen=True)
class Periode:
    """A month (monthly report) or a calendar year (annual interim report)."""

    annee: int
    mois: int | None = None

    @property
    def est_annuelle(self) -> bool:
        return self.mois is None

    @property
    def debut(self) -> date:
        return date(self.annee, self.mois or 1, 1)

    @property
    def fin(self) -> date:
        return date(self.annee, self.mois or 12, 1)

    def __str__(self) -> str:
        return str(self.annee) if self.mois is None else f"{self.annee}-{self.mois:02d}"


def mois_decale(jour: date, mois: int) -> date:
    total = jour.year * 12 + jour.month - 1 + mois
    return date(total // 12, total % 12 + 1, 1)


@dataclass(frozen=True)
class Zone:
    """Whose figures the report shows: France entière, or the local committee's Caf."""

    niveau: str  # niveau of the flow and stock marts: national or caf_gestionnaire
    code: str
    libelle: str
    niveau_creances: str  # niveau of the debt marts: national or caf


@dataclass
class Valeur:
    """A published value, or a masked cell (est_masque), or nothing published (None)."""

    valeur: float | None
    est_masque: bool = False

    @property
    def connue(self) -> bool:
        return not self.est_masque and self.valeur is not None and not math.isnan(self.valeur)


@dataclass
class Taux:
    """A rate with its numerator, denominator and period, as the mart publishes them."""

    taux: Valeur
    numerateur: Valeur
    denominateur: Valeur
    periode: str  # what the figures cover, in words


@dataclass
class DonneesRapport:
    portee: Portee
    periode: Periode
    zone: Zone
    mois_donnees: date  # the last month the loaded extracts cover (the data's as-of month)
    premier_mois: date
    mois_couverts: list[date]  # months of the period that are in the calendar
    fichier_publie: Path
    publie_le: float  # modification time of the published file
    tables: set[str] = field(default_factory=set)


def ouvrir(chemins: Chemins, portee: Portee) -> duckdb.DuckDBPyConnection:
    """The published file of the scope, read-only; a clear error when it is not published."""
    fichier = chemins.publication_portee(nom_fichier(portee))
    if not fichier.exists():
        raise RapportImpossible(
            f"aucun fichier publié pour la portée {portee} ({fichier}) : lancer `aripa build` "
            "(ou `aripa demo`), ou ajouter la portée à config/lecteurs.toml"
        )
    return duckdb.connect(str(fichier), read_only=True)


def tables_publiees(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        f"{s}.{t}" for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
    }


def zone_du_rapport(con: duckdb.DuckDBPyConnection, portee: Portee) -> Zone:
    if portee.type != "caf":
        return Zone("national", "FR", "France entière", "national")
    ligne = con.execute(
        "select libelle_zone from marts.dim_zones where type_zone = 'caf' and code_zone = ?",
        [portee.code_caf],
    ).fetchone()
    if ligne is None:
        raise RapportImpossible(f"la Caf {portee.code_caf} n'est pas dans le fichier publié de sa portée")
    # A Caf participante manages no recovery case (its pivot does): it is read by residence.
    (geres,) = con.execute(
        "select count(*) from marts.taux_recouvrement_flux_mensuel where niveau = 'caf_gestionnaire' "
        "and code_zone = ?",
        [portee.code_caf],
    ).fetchone()
    return Zone("caf_gestionnaire" if geres else "caf_residence", portee.code_caf, ligne[0], "caf")


def preparer(
    chemins: Chemins, portee: Portee, periode: Periode
) -> tuple[duckdb.DuckDBPyConnection, DonneesRapport]:
    """Open the scope's file and check the period has data; a period without any is refused here,
    before anything is drawn (no empty PDF)."""
    con = ouvrir(chemins, portee)
    tables = tables_publiees(con)
    if "marts.dim_mois" not in tables or "marts.taux_recouvrement_flux_mensuel" not in tables:
        con.close()
        raise RapportImpossible(
            f"le fichier publié de la portée {portee} n'a pas les indicateurs : relancer `aripa build`"
        )
    calendrier = [
        pd.Timestamp(m).date()
        for (m,) in con.execute("select mois from marts.dim_mois order by mois").fetchall()
    ]
    if not calendrier:
        con.close()
        raise RapportImpossible("aucun mois couvert par les extractions chargées : lancer `aripa ingest`")
    couverts = [m for m in calendrier if periode.debut <= m <= periode.fin]
    zone = zone_du_rapport(con, portee)
    # A month "has data" when its payments were received: the flow mart has the month's national row
    # only then (its documentation); a masked row is data too, shown as masked.
    avec_versements = {
        pd.Timestamp(m).date()
        for (m,) in con.execute(
            "select distinct mois from marts.taux_recouvrement_flux_mensuel "
            "where niveau = 'national' and code_procedure = 'ENSEMBLE'"
        ).fetchall()
    }
    couverts = [m for m in couverts if m in avec_versements]
    if not couverts:
        con.close()
        quoi = f"l'année {periode.annee}" if periode.est_annuelle else f"le mois {periode}"
        raise RapportImpossible(
            f"aucune donnée pour {quoi} : les extractions chargées couvrent "
            f"{calendrier[0]:%Y-%m} à {calendrier[-1]:%Y-%m} (versements reçus pour "
            f"{len(avec_versements)} mois) ; pas de rapport vide"
        )
    # The file actually opened, as DuckDB names it: what the cover cites as the source.
    (chemin,) = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    fichier = Path(chemin)
    return con, DonneesRapport(
        portee=portee,
        periode=periode,
        zone=zone,
        mois_donnees=calendrier[-1],
        premier_mois=calendrier[0],
        mois_couverts=couverts,
        fichier_publie=fichier,
        publie_le=fichier.stat().st_mtime,
        tables=tables,
    )


def _valeur(ligne: pd.Series | None, colonne: str) -> Valeur:
    if ligne is None:
        return Valeur(None)
    if not bool(ligne["est_diffusable"]):
        return Valeur(None, est_masque=True)
    x = ligne[colonne]
    return Valeur(None if pd.isna(x) else float(x))


def _une_ligne(con: duckdb.DuckDBPyConnection, sql: str, parametres: list) -> pd.Series | None:
    df = con.execute(sql, parametres).df()
    if len(df) > 1:
        raise RapportImpossible(f"plusieurs lignes là où le grain du mart en promet une : {sql}")
    return None if df.empty else df.iloc[0]


# The three perimeters of the flow reading, as the mart names them.
PERIMETRES_FLUX = {
    "tc": ("taux_recouvrement_tc", "montant_encaisse_tc", "montant_attendu_tc"),
    "tc_arrieres": (
        "taux_recouvrement_tc_arrieres",
        "montant_encaisse_tc_arrieres",
        "montant_attendu_tc_arrieres",
    ),
    "total": ("taux_recouvrement_total", "montant_encaisse_total", "montant_attendu_total"),
}


def taux_flux(con: duckdb.DuckDBPyConnection, zone: Zone, periode: Periode, perimetre: str) -> Taux:
    """The flow rate of a month (monthly mart) or a year (annual mart), ENSEMBLE of procedures."""
    taux, num, den = PERIMETRES_FLUX[perimetre]
    if periode.est_annuelle:
        ligne = _une_ligne(
            con,
            "select * from marts.taux_recouvrement_flux_annuel where niveau = ? and code_zone = ? "
            "and annee = ? and code_procedure = 'ENSEMBLE'",
            [zone.niveau, zone.code, periode.annee],
        )
        nb_mois = None if ligne is None or pd.isna(ligne["nb_mois"]) else int(ligne["nb_mois"])
        texte = f"année {periode.annee}" + (f" ({nb_mois} mois de versements)" if nb_mois else "")
    else:
        ligne = _une_ligne(
            con,
            "select * from marts.taux_recouvrement_flux_mensuel where niveau = ? and code_zone = ? "
            "and mois = ? and code_procedure = 'ENSEMBLE'",
            [zone.niveau, zone.code, periode.debut],
        )
        texte = "mois"
    return Taux(_valeur(ligne, taux), _valeur(ligne, num), _valeur(ligne, den), texte)


def taux_glissant(con: duckdb.DuckDBPyConnection, zone: Zone, mois: date) -> Taux:
    ligne = _une_ligne(
        con,
        "select * from marts.taux_recouvrement_glissant_12_mois where niveau = ? and code_zone = ? "
        "and mois = ? and code_procedure = 'ENSEMBLE'",
        [zone.niveau, zone.code, mois],
    )
    texte = "douze mois glissants"
    if ligne is not None and not bool(ligne["est_complet"]):
        texte += " (fenêtre incomplète)"
    return Taux(
        _valeur(ligne, "taux_recouvrement_tc"),
        _valeur(ligne, "montant_encaisse_tc"),
        _valeur(ligne, "montant_attendu_tc"),
        texte,
    )


def annee_financiere(con: duckdb.DuckDBPyConnection, zone: Zone, annee_max: int) -> int | None:
    """The last year up to `annee_max` the financial mart covers (it keeps complete years only)."""
    (annee,) = con.execute(
        "select max(annee) from marts.taux_recouvrement_financier_annuel where niveau = ? and code_zone = ? "
        "and annee <= ?",
        [zone.niveau_creances, zone.code, annee_max],
    ).fetchone()
    return None if annee is None else int(annee)


def taux_financier(con: duckdb.DuckDBPyConnection, zone: Zone, annee: int | None, famille: str) -> Taux:
    ligne = None
    if annee is not None:
        ligne = _une_ligne(
            con,
            "select * from marts.taux_recouvrement_financier_annuel where niveau = ? and code_zone = ? "
            "and annee = ? and famille = ?",
            [zone.niveau_creances, zone.code, annee, famille],
        )
    texte = f"année civile {annee}" if annee is not None else "aucune année complète"
    return Taux(
        _valeur(ligne, "taux_recouvrement_financier"),
        _valeur(ligne, "montant_recouvre"),
        _valeur(ligne, "montant_a_recouvrer"),
        texte,
    )


def somme_cellules(df: pd.DataFrame, colonne: str) -> Valeur:
    """Published cells that add up (the mart says so) summed; masked if any of them is masked, so a
    masked cell is never read as 0. No cell at all: nothing published (None)."""
    if df.empty:
        return Valeur(None)
    if not df["est_diffusable"].all():
        return Valeur(None, est_masque=True)
    return Valeur(float(df[colonne].sum()))


def procedures_actives(con: duckdb.DuckDBPyConnection, zone: Zone, mois: date) -> Valeur:
    """The stock of recovery procedures at the end of the month: every type but intermediation
    (IF transmits pensions, it recovers nothing), every stage, as the published figure is read."""
    df = con.execute(
        "select procedures_actives, est_diffusable from marts.procedures_actives_mensuel "
        "where niveau = ? and code_zone = ? and mois = ? and code_procedure <> 'IF'",
        [zone.niveau, zone.code, mois],
    ).df()
    return somme_cellules(df, "procedures_actives")


def entrees_sorties(
    con: duckdb.DuckDBPyConnection, zone: Zone, debut: date, fin: date
) -> tuple[Valeur, Valeur]:
    df = con.execute(
        "select entrees, sorties, est_diffusable from marts.procedures_entrees_sorties_mensuel "
        "where niveau = ? and code_zone = ? and mois between ? and ? and code_procedure <> 'IF'",
        [zone.niveau, zone.code, debut, fin],
    ).df()
    return somme_cellules(df, "entrees"), somme_cellules(df, "sorties")


def familles_asf(con: duckdb.DuckDBPyConnection, zone: Zone, mois: date) -> Valeur:
    """ASF families in the month, all kinds (the ASF mart's Caf level: the Caf that pays it)."""
    niveau = "national" if zone.niveau == "national" else "caf"
    df = con.execute(
        "select nombre_familles, est_diffusable from marts.asf_beneficiaires_mensuel "
        "where niveau = ? and code_zone = ? and mois = ?",
        [niveau, zone.code, mois],
    ).df()
    return somme_cellules(df, "nombre_familles")


def serie_flux(con: duckdb.DuckDBPyConnection, zone: Zone) -> pd.DataFrame:
    """Monthly TC rate and its 12-month rolling reading, masked cells as NaN with a flag."""
    return con.execute(
        "select f.mois, case when f.est_diffusable then f.taux_recouvrement_tc end as taux_mois, "
        "not f.est_diffusable as masque_mois, "
        "case when g.est_diffusable and g.est_complet then g.taux_recouvrement_tc end as taux_glissant "
        "from marts.taux_recouvrement_flux_mensuel f "
        "left join marts.taux_recouvrement_glissant_12_mois g on g.niveau = f.niveau "
        "and g.code_zone = f.code_zone and g.mois = f.mois and g.code_procedure = f.code_procedure "
        "where f.niveau = ? and f.code_zone = ? and f.code_procedure = 'ENSEMBLE' order by f.mois",
        [zone.niveau, zone.code],
    ).df()


def serie_stock(con: duckdb.DuckDBPyConnection, zone: Zone) -> pd.DataFrame:
    """Recovery procedures active at each month end (IF apart); a month with a masked cell is NaN."""
    return con.execute(
        "select mois, case when bool_and(est_diffusable) then sum(procedures_actives) end as actives, "
        "not bool_and(est_diffusable) as masque "
        "from marts.procedures_actives_mensuel where niveau = ? and code_zone = ? "
        "and code_procedure <> 'IF' group by mois order by mois",
        [zone.niveau, zone.code],
    ).df()


def annee_comparaison(con: duckdb.DuckDBPyConnection, annee_max: int) -> int | None:
    (annee,) = con.execute(
        "select max(annee) from marts.comparaison_cafs_standardisee_annuelle where annee <= ?", [annee_max]
    ).fetchone()
    return None if annee is None else int(annee)


def comparaison_standardisee(con: duckdb.DuckDBPyConnection, niveau: str, annee: int) -> pd.DataFrame:
    """Case-mix-adjusted ratios (observed / expected at national stratum rates) of one level and
    year, every zone the file holds, masked rows kept (shown as masked)."""
    return con.execute(
        "select code_zone, libelle_zone, est_diffusable, ratio_observe_attendu, ratio_ic95_bas, "
        "ratio_ic95_haut, taux_observe, taux_attendu from marts.comparaison_cafs_standardisee_annuelle "
        "where niveau = ? and annee = ? order by ratio_observe_attendu desc nulls last, libelle_zone",
        [niveau, annee],
    ).df()


def comparaison_reseau(con: duckdb.DuckDBPyConnection, code_caf: str, annee: int) -> pd.Series | None:
    """What a local pilot sees of the other Cafs, unnamed: the network's quartiles, the comparable Cafs."""
    return _une_ligne(
        con,
        "select * from marts.comparaison_reseau_cafs_annuelle where code_zone = ? and annee = ?",
        [code_caf, annee],
    )


def qualite(con: duckdb.DuckDBPyConnection, debut: date, fin: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Files and rows per extract over the period, from the dashboard's mart qualite_fichiers_recus
    (extract x month covered, which adds up over months): every extract ever received has its line,
    0 files when none covered the period (the mart has no row for a month without a file, so the
    line is completed here, never dropped). Quarantined rows by rule and extract from
    qualite_quarantaine_regles: `nb_lignes_regle` once per file and rule (it repeats on each field),
    added over files; field defects added over fields and files."""
    ensemble = con.execute(
        "with extractions as (select distinct extraction from marts.qualite_fichiers_recus), "
        "periode as (select extraction, sum(nb_versions_recues) as fichiers_recus, "
        "sum(nb_chargees) as fichiers_charges, sum(nb_chargees_a_verifier) as fichiers_a_verifier, "
        "sum(nb_refusees) as fichiers_refuses, sum(nb_remplacees) as fichiers_remplaces, "
        "sum(nb_retirees) as fichiers_retires, sum(lignes_lues) as lignes_lues, "
        "sum(lignes_chargees) as lignes_chargees, sum(lignes_quarantaine) as lignes_quarantaine "
        "from marts.qualite_fichiers_recus where mois_couvert between ? and ? group by extraction) "
        "select extractions.extraction, "
        + ", ".join(
            f"coalesce(periode.{c}, 0) as {c}"
            for c in (
                "fichiers_recus",
                "fichiers_charges",
                "fichiers_a_verifier",
                "fichiers_refuses",
                "fichiers_remplaces",
                "fichiers_retires",
                "lignes_lues",
                "lignes_chargees",
                "lignes_quarantaine",
            )
        )
        + " from extractions left join periode on periode.extraction = extractions.extraction "
        "order by extractions.extraction",
        [debut, fin],
    ).df()
    regles = con.execute(
        "with par_fichier as (select fichier, extraction, regle, max(nb_lignes_regle) as lignes, "
        "sum(nb_defauts) as champs from marts.qualite_quarantaine_regles "
        "where mois_couvert between ? and ? group by fichier, extraction, regle) "
        "select extraction, regle, sum(lignes) as lignes_quarantaine, sum(champs) as champs_en_defaut "
        "from par_fichier group by extraction, regle "
        "order by lignes_quarantaine desc, extraction, regle",
        [debut, fin],
    ).df()
    return ensemble, regles


def definitions(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Every published mart's dbt documentation (table and column comments, persist_docs)."""
    tables = con.execute(
        "select table_name, coalesce(comment, '') from duckdb_tables() where schema_name = 'marts' "
        "order by table_name"
    ).fetchall()
    resultat = []
    for table, commentaire in tables:
        colonnes = con.execute(
            "select column_name, comment from duckdb_columns() where schema_name = 'marts' "
            "and table_name = ? and comment is not null and comment <> '' order by column_index",
            [table],
        ).fetchall()
        resultat.append((table, commentaire, colonnes))
    return resultat


def alertes(con: duckdb.DuckDBPyConnection, mois: date) -> pd.DataFrame:
    """The alerts raised in the month (marts.alertes_mensuelles: its rules decide, not the report);
    masked cells are not listed, only counted."""
    return con.execute(
        "select type_alerte, libelle_zone, code_zone, objet, motif, unite, valeur, valeur_reference, "
        "ecart_reduit, nombre, montant, est_diffusable from marts.alertes_mensuelles "
        "where mois = ? and (en_alerte or not est_diffusable) order by type_alerte, niveau, code_zone, objet",
        [mois],
    ).df()


def courbes_cohortes(con: duckdb.DuckDBPyConnection, zone: Zone) -> pd.DataFrame:
    """Recovery curves by cohort year, all procedure types (ENSEMBLE), of the zone and national."""
    return con.execute(
        "select niveau, code_zone, libelle_zone, annee_cohorte, est_diffusable, "
        "taux_recouvre_1_mois, taux_recouvre_3_mois, taux_recouvre_6_mois, taux_recouvre_12_mois, "
        "taux_recouvre_24_mois from marts.courbes_recouvrement_cohortes "
        "where code_procedure = 'ENSEMBLE' and (niveau = 'national' or (niveau = ? and code_zone = ?)) "
        "order by niveau, annee_cohorte",
        [zone.niveau, zone.code],
    ).df()
