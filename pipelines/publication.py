"""The publish step: one DuckDB file per reader scope, holding only what that scope may read.

Dashboards and reports never open the warehouse (dbt's writer excludes every reader, and the
warehouse holds case-level tables). After a successful build, each scope's file is written under a
temporary name, then renamed over the published one: a reader that has the old file open keeps it
until it reopens.

What goes in (the `diffusion` meta of each mart's YAML, read from dbt's manifest):
- `zones` marts (aggregates by level and zone, with the secrecy flag of the macro
  secret_statistique): a masked cell keeps its `cellule` columns (what identifies it) and
  `motif_secret`; every other value is null;
- `reference` (dim_*), `national` (national figures only), `reseau` (the network's distribution,
  naming no Caf): copied as built;
- the warehouse schema `evaluation` (written by `aripa evaluate`, whatever its tables) and the GIPA
  results `aripa evaluate` writes beside the marts: to the national and committee scopes;
- the warehouse schema `prevision` (written by `aripa forecast`): to every scope, its rows by zone
  filtered like the marts.
Nothing else: no fct_* per procedure, no int_*, staging, raw, audit or quarantine.

Scopes (pipelines/portees.py): `national` (every zone), `comite` (national, regional and
département rows, the evaluation), `caf:CODE` (national rows and that Caf's rows; reference rows of
other Cafs removed; no evaluation), for each Caf config/lecteurs.toml gives a reader.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.config import Chemins
from pipelines.evaluation.panel import REQUETE_PANEL, TABLE_EMPREINTE_PUBLIEE, empreinte_panel
from pipelines.portees import (
    Portee,
    PorteeInconnue,
    configuration,
    fichier_lecteurs,
    lire_portee,
    nom_fichier,
)

# Written by `aripa evaluate` beside the marts until the evaluation has its own schema.
SCHEMA_EVALUATION = "evaluation"
COLONNES_SECRET = ("est_diffusable", "motif_secret")


@dataclass(frozen=True)
class Regle:
    """How one mart is published."""

    table: str
    type: str  # zones, reference, national, reseau
    cellule: tuple[str, ...] = ()


def regles(chemins: Chemins) -> list[Regle]:
    """The `diffusion` meta of every mart, from the manifest dbt wrote during the build."""
    manifeste = chemins.donnees / "dbt" / "target" / "manifest.json"
    if not manifeste.exists():
        raise FileNotFoundError(f"{manifeste} : lancer `aripa build` (dbt écrit ce fichier)")
    noeuds = json.loads(manifeste.read_text(encoding="utf-8"))["nodes"].values()
    resultat = []
    for noeud in noeuds:
        if noeud.get("resource_type") != "model" or noeud.get("schema") != "marts":
            continue
        diffusion = (noeud.get("config", {}).get("meta") or {}).get("diffusion")
        if diffusion:
            resultat.append(Regle(noeud["name"], diffusion["type"], tuple(diffusion.get("cellule", ()))))
    return sorted(resultat, key=lambda r: r.table)


@dataclass(frozen=True)
class Catalogue:
    """Tables, columns and dbt's comments of the source, read once per publication: DuckDB's
    catalogue functions scan every table of the warehouse (~25 ms a call), and each scope's file
    asked them three times per mart."""

    colonnes_par_table: dict[tuple[str, str], list[tuple[str, str]]]
    commentaire_par_table: dict[tuple[str, str], str]

    @classmethod
    def lire(cls, con: duckdb.DuckDBPyConnection, base: str) -> Catalogue:
        colonnes: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for schema, table, colonne, texte in con.execute(
            "select schema_name, table_name, column_name, coalesce(comment, '') from duckdb_columns() "
            "where database_name = ? order by schema_name, table_name, column_index",
            [base],
        ).fetchall():
            colonnes.setdefault((schema, table), []).append((colonne, texte))
        commentaires = {
            (schema, table): texte
            for schema, table, texte in con.execute(
                "select schema_name, table_name, coalesce(comment, '') from duckdb_tables() "
                "where database_name = ?",
                [base],
            ).fetchall()
        }
        return cls(colonnes, commentaires)

    def colonnes(self, schema: str, table: str) -> list[tuple[str, str]]:
        return self.colonnes_par_table.get((schema, table), [])

    def tables(self, schema: str) -> list[str]:
        return sorted(t for s, t in self.commentaire_par_table if s == schema)


def _commentaires(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, schema: str, table: str) -> None:
    """Carry the dbt documentation (persist_docs: table and column comments) into the copy (`cible`)."""
    commentaire = catalogue.commentaire_par_table.get((schema, table), "")
    if commentaire:
        con.execute(f"comment on table cible.{schema}.{table} is {_litteral(commentaire)}")
    for colonne, texte in catalogue.colonnes(schema, table):
        if texte:
            con.execute(f'comment on column cible.{schema}.{table}."{colonne}" is {_litteral(texte)}')


def _litteral(texte: str) -> str:
    return "'" + texte.replace("'", "''") + "'"


def _filtre_zones(portee: Portee) -> str:
    if portee.type == "national":
        return "true"
    if portee.type == "comite":
        return "niveau in ('national', 'departement', 'region')"
    return f"niveau = 'national' or (type_zone = 'caf' and code_zone = {_litteral(portee.code_caf)})"


def _filtre_reference(table: str, portee: Portee) -> str | None:
    """Rows of a reference table the scope sees; None: the table is not in the scope."""
    if portee.type == "national":
        return "true"
    if table == "dim_cafs":
        return None if portee.type == "comite" else f"code_caf = {_litteral(portee.code_caf)}"
    if table == "dim_zones":
        if portee.type == "comite":
            return "type_zone <> 'caf'"
        return f"type_zone <> 'caf' or code_zone = {_litteral(portee.code_caf)}"
    return "true"


def _ecrire_portee(
    con: duckdb.DuckDBPyConnection, cible: Path, regles_: list[Regle], portee: Portee, catalogue: Catalogue
) -> None:
    """Write one scope's file from the warehouse (`con`, masking the secret cells) under a temporary
    name, then rename it into place. The warehouse connection is the one dbt's run left open in this
    process (same configuration): the scope's file is attached to it."""
    provisoire = cible.with_name(cible.name + ".copie")
    provisoire.unlink(missing_ok=True)
    source = con.execute("select current_database()").fetchone()[0]
    con.execute(f"attach {_litteral(str(provisoire))} as cible")
    try:
        con.execute("create schema cible.marts")
        for regle in regles_:
            colonnes = [c for c, _ in catalogue.colonnes("marts", regle.table)]
            if not colonnes:
                continue  # the mart was not built (a partial selection)
            if regle.type == "zones":
                garder = set(regle.cellule) | set(COLONNES_SECRET)
                select = ", ".join(
                    f'"{c}"' if c in garder else f'case when est_diffusable then "{c}" end as "{c}"'
                    for c in colonnes
                )
                filtre = _filtre_zones(portee)
            elif regle.type == "reference":
                select, filtre = "*", _filtre_reference(regle.table, portee)
            elif regle.type == "national":
                select, filtre = "*", (None if portee.type == "caf" else "true")
            elif regle.type == "reseau":
                select, filtre = "*", "true"
            else:
                raise ValueError(f"marts.{regle.table} : type de diffusion inconnu « {regle.type} »")
            if filtre is None:
                continue
            con.execute(
                f"create table cible.marts.{regle.table} as select {select} "
                f"from {source}.marts.{regle.table} where {filtre}"
            )
            _commentaires(con, catalogue, "marts", regle.table)
        if portee.type in ("national", "comite"):
            evaluation = catalogue.tables(SCHEMA_EVALUATION)
            con.execute(f"create schema cible.{SCHEMA_EVALUATION}")
            for table in evaluation:
                con.execute(
                    f"create table cible.{SCHEMA_EVALUATION}.{table} as "
                    f"select * from {source}.{SCHEMA_EVALUATION}.{table}"
                )
                _commentaires(con, catalogue, SCHEMA_EVALUATION, table)
            _publier_empreinte_panel(con, source, catalogue)
        _publier_prevision(con, source, portee, catalogue)
    finally:
        con.execute("detach cible")
    os.chmod(provisoire, 0o640)  # pseudonymised aggregates: their owner, and the dashboards' group, only
    os.replace(provisoire, cible)


def _publier_prevision(
    con: duckdb.DuckDBPyConnection, source: str, portee: Portee, catalogue: Catalogue
) -> None:
    """Schema `prevision` (`aripa forecast`), in every scope: a table with zones is filtered like
    the marts (a Caf's file gets the national forecasts and its own pivot's, the committee's the
    national ones); the back-test scores, pooled over zones, are copied whole. The per-zone
    back-test errors are not published."""
    from pipelines.prevision.executer import SCHEMA, TABLES_PUBLIEES

    tables = [t for t in catalogue.tables(SCHEMA) if t in TABLES_PUBLIEES]
    if not tables:
        return
    con.execute(f"create schema cible.{SCHEMA}")
    for table in tables:
        colonnes = {c for c, _ in catalogue.colonnes(SCHEMA, table)}
        filtre = _filtre_zones(portee) if {"niveau", "type_zone", "code_zone"} <= colonnes else "true"
        con.execute(
            f"create table cible.{SCHEMA}.{table} as select * from {source}.{SCHEMA}.{table} where {filtre}"
        )


def _publier_empreinte_panel(con: duckdb.DuckDBPyConnection, source: str, catalogue: Catalogue) -> None:
    """The fingerprint of the GIPA panel this build made (the panel itself, case-level by month,
    is not published): the dashboard and the report refuse evaluation results computed on another."""
    if "evaluation_panel_gipa" not in catalogue.tables("marts"):
        return
    panel = con.execute(REQUETE_PANEL.replace(" marts.", f" {source}.marts.")).df()
    con.execute(
        f"create table cible.{TABLE_EMPREINTE_PUBLIEE} as select ? as empreinte_panel, ? as nb_lignes_panel",
        [empreinte_panel(panel), len(panel)],
    )


def portees_publiees(con: duckdb.DuckDBPyConnection, comptes_locaux: Path | None = None) -> list[Portee]:
    """National, the committee, and the scope of each Caf a reader is given in config/lecteurs.toml
    (a new local pilot's file is written by the next `aripa build`). A Caf unknown to the network
    is refused: its file would hold the national rows only and look like a valid scope."""
    portees = {Portee("national"), Portee("comite")}
    if fichier_lecteurs().exists():
        config = configuration(comptes_locaux=comptes_locaux)  # local accounts' scopes included
        for texte in [*config.get("comptes", {}).values(), *config.get("groupes", {}).values()]:
            portees.add(lire_portee(texte))
        if "portee" in config.get("sans_connexion", {}):
            portees.add(lire_portee(config["sans_connexion"]["portee"]))
    cafs = {c for (c,) in con.execute("select code_caf from marts.dim_cafs").fetchall()}
    inconnues = sorted(str(p) for p in portees if p.type == "caf" and p.code_caf not in cafs)
    if inconnues:
        raise PorteeInconnue(f"{fichier_lecteurs()} : Caf inconnue du réseau dans {', '.join(inconnues)}")
    return sorted(portees, key=str)


def _source(chemins: Chemins, moteur: str) -> duckdb.DuckDBPyConnection:
    """Where the marts are read: the DuckDB warehouse, or, for marts another engine built, an
    in-memory DuckDB holding the Parquet handoff of its marts (pipelines/passage_marts.py)."""
    if moteur == "duckdb":
        con = duckdb.connect(str(chemins.entrepot))
        con.execute("checkpoint")
        return con
    from pipelines.passage_marts import charger_passage_marts

    con = duckdb.connect()
    charger_passage_marts(con, chemins)
    return con


def publier(chemins: Chemins, moteur: str = "duckdb") -> list[Path]:
    """Write every scope's file from the marts `moteur` built; files of scopes that no longer exist
    (and the former single full copy) are removed."""
    dossier = chemins.dossier_publication
    dossier.mkdir(parents=True, exist_ok=True)
    regles_ = regles(chemins)
    ecrits = []
    with _source(chemins, moteur) as con:
        catalogue = Catalogue.lire(con, con.execute("select current_database()").fetchone()[0])
        for portee in portees_publiees(con, chemins.comptes):
            cible = dossier / nom_fichier(portee)
            _ecrire_portee(con, cible, regles_, portee, catalogue)
            ecrits.append(cible)
    for ancien in dossier.glob("*.duckdb"):
        if ancien not in ecrits:
            ancien.unlink()
    return ecrits
