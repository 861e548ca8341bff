"""k times the cases of a built warehouse, in the same network: the scaling points 2x and 4x
without generating again (a generation is one simulation held in memory, and a second seed gives
the same identifiers).

On a copy of the warehouse, every raw extract's rows are written k times; replica j (1..k-1)
gets new identifiers, so that each replica is a distinct set of procedures, débiteurs, créances:
- every `*_id` column: one digit, at a position that is '0' in every value of that identifier
  across the raw tables (procedure_id in the procedures, the plan, the payments, the créances and
  the events alike), becomes j: distinct values stay distinct, references keep pointing to the
  replica's own rows, and the format (prefix, length, digits) is the extract's;
- every `cle_*` column (pseudonymous keys): md5(key || '#' || j), 32 hexadecimal digits like
  the keys, a person of replica j counted apart from the same person of replica 0;
- `_ligne` (and the quarantine's `ligne`) shifted by j times the largest line number, so that a
  (file, line) pair stays unique, as if each file were k times longer;
- Cafs, months, dates and amounts unchanged.
The ASF extract is an aggregate (one row per Caf x nature x month, unique): its counts and
amounts are multiplied by k instead. The manifest's and the validations' row counts are
multiplied by k. A raw table this module does not know stops it (never a silent 1x).

`python -m pipelines.banc.replication WAREHOUSE K` prints one JSON line (duration, rows)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

AGREGATS = {"asf": ("nombre_familles", "nombre_enfants", "montant_verse")}
COMPTES = {
    "manifeste": ("lignes_lues", "lignes_chargees", "lignes_quarantaine", "lignes_vides"),
    "validations": ("lignes_validees", "lignes_en_echec"),
}
QUARANTAINE = "quarantaine"


def _colonnes(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'raw' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()


def _position_libre(con: duckdb.DuckDBPyConnection, colonne: str, tables: list[str]) -> int:
    """The leftmost position (1-based) holding '0' in every value of the identifier `colonne`
    in every table that has it."""
    valeurs = " union all ".join(
        f'select "{colonne}" as v from raw."{t}" where "{colonne}" is not null' for t in tables
    )
    (longueur,) = con.execute(f"select min(length(v)) from ({valeurs})").fetchall()[0]
    if not longueur:
        raise ValueError(f"identifiant {colonne} : aucune valeur")
    tests = ", ".join(f"bool_and(substr(v, {p}, 1) = '0')" for p in range(1, longueur + 1))
    libres = con.execute(f"select {tests} from ({valeurs})").fetchall()[0]
    for position, libre in enumerate(libres, start=1):
        if libre:
            return position
    raise ValueError(f"identifiant {colonne} : aucune position à 0 dans toutes ses valeurs")


def repliquer(entrepot: Path, k: int, memoire: str = "2GB") -> dict:
    if not 2 <= k <= 10:
        raise ValueError(f"facteur {k} : entre 2 et 10 (un chiffre par réplique)")
    debut = time.perf_counter()
    with duckdb.connect(str(entrepot), config={"memory_limit": memoire}) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
            ).fetchall()
        ]
        colonnes = {t: _colonnes(con, t) for t in tables}
        extraits = [t for t in tables if any(n == "_ligne" for n, _ in colonnes[t]) and t not in AGREGATS]
        inconnues = set(tables) - set(extraits) - set(AGREGATS) - set(COMPTES) - {QUARANTAINE}
        if inconnues:
            raise ValueError(f"tables brutes sans règle de réplication : {sorted(inconnues)}")
        identifiants: dict[str, list[str]] = {}
        for t in extraits:
            for nom, _ in colonnes[t]:
                if nom.endswith("_id"):
                    identifiants.setdefault(nom, []).append(t)
        positions = {nom: _position_libre(con, nom, ts) for nom, ts in identifiants.items()}
        (plus_longue,) = con.execute(
            "select greatest("
            + ", ".join(f'(select coalesce(max(_ligne), 0) from raw."{t}")' for t in extraits)
            + ", (select coalesce(max(ligne), 0) from raw.quarantaine))"
        ).fetchall()[0]
        decalage = int(plus_longue) + 1
        if decalage * k >= 2**31:
            raise ValueError(f"numéros de ligne trop grands pour {k} répliques ({decalage})")
        avant = {t: con.execute(f'select count(*) from raw."{t}"').fetchall()[0][0] for t in tables}

        def expression(nom: str, type_: str, j: int) -> str:
            if nom in positions:
                p = positions[nom]
                return f'substr("{nom}", 1, {p - 1}) || \'{j}\' || substr("{nom}", {p + 1})'
            if nom.startswith("cle_"):
                return f"md5(\"{nom}\" || '#{j}')"
            if nom in ("_ligne", "ligne"):
                return f'cast("{nom}" + {j * decalage} as {type_})'
            return f'"{nom}"'

        for t in [*extraits, QUARANTAINE]:
            colonne_ligne = "_ligne" if t != QUARANTAINE else "ligne"
            for j in range(1, k):  # one statement (and commit) per replica: bounded memory
                choix = ", ".join(expression(n, ty, j) for n, ty in colonnes[t])
                # Replica rows have lines past `decalage`: the originals alone are read again (a
                # line left null would be missed, and the count check below says so).
                originaux = f'"{colonne_ligne}" < {decalage}'
                con.execute(f'insert into raw."{t}" select {choix} from raw."{t}" where {originaux}')
        for t, mesures in {**AGREGATS, **COMPTES}.items():
            if t in tables:
                types = dict(colonnes[t])
                assignations = ", ".join(f'"{m}" = cast("{m}" * {k} as {types[m]})' for m in mesures)
                con.execute(f'update raw."{t}" set {assignations}')
        apres = {t: con.execute(f'select count(*) from raw."{t}"').fetchall()[0][0] for t in tables}
        for t in [*extraits, QUARANTAINE]:
            if apres[t] != k * avant[t]:
                raise RuntimeError(
                    f"raw.{t} : {apres[t]} lignes après réplication, {k} x {avant[t]} attendues"
                )
        con.execute("checkpoint")
    return {
        "facteur": k,
        "duree_s": time.perf_counter() - debut,
        "lignes_avant": sum(avant[t] for t in extraits) + sum(avant[t] for t in AGREGATS if t in avant),
        "lignes_apres": sum(apres[t] for t in extraits) + sum(apres[t] for t in AGREGATS if t in apres),
        "positions_identifiants": positions,
    }


def main() -> None:
    print(json.dumps(repliquer(Path(sys.argv[1]), int(sys.argv[2]))))


if __name__ == "__main__":
    main()
