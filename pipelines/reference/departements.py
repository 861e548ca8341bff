"""Build the `departements` dbt seed from the official administrative divisions.

`reseau.py` then builds the Cafs from it.

Source: the npm package `@etalab/decoupage-administratif` (MIT licence), fetched with
`npm pack @etalab/decoupage-administratif` and unpacked. Run:

    uv run python -m pipelines.reference.departements /path/to/package

The seeds are committed; this script documents and reproduces how they were made.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parents[2] / "dbt" / "seeds"

# INSEE "type de nom en clair" codes (TNCC) -> the French liaison used in "Caf de ...".
_LIAISON = {0: "de ", 1: "d'", 2: "du ", 3: "de la ", 4: "des ", 5: "de l'"}


def nom_caf(nom_departement: str, type_liaison: int) -> str:
    """'Caf de l'Ain', 'Caf du Nord', 'Caf de la Haute-Garonne', 'Caf des Yvelines'."""
    # Some official names carry their article ("La Réunion", liaison 0): lower-case it after "de".
    for article in ("La ", "Le ", "Les ", "L'"):
        if type_liaison == 0 and nom_departement.startswith(article):
            return f"Caf de {article.lower()}{nom_departement[len(article) :]}"
    return f"Caf {_LIAISON.get(type_liaison, 'de ')}{nom_departement}"


def code_caf(code_departement: str) -> str:
    """Caf code used across extracts: the département code on three characters ('011', '2A1', '971')."""
    return code_departement if len(code_departement) == 3 else f"{code_departement}1"


def nom_caf_depuis_seed(departement: dict) -> str:
    return nom_caf(departement["nom_departement"], int(departement["type_liaison"]))


def build(package_dir: Path, version: str) -> list[dict]:
    data = package_dir / "data"
    departements = json.loads((data / "departements.json").read_text(encoding="utf-8"))
    regions = {r["code"]: r["nom"] for r in json.loads((data / "regions.json").read_text(encoding="utf-8"))}
    communes = json.loads((data / "communes.json").read_text(encoding="utf-8"))
    population: dict[str, int] = defaultdict(int)
    for commune in communes:
        if commune.get("type") == "commune-actuelle" and commune.get("population"):
            population[commune["departement"]] += int(commune["population"])

    source = f"@etalab/decoupage-administratif {version} (npm, licence MIT)"
    rows_dep = []
    for dep in departements:
        if dep["zone"] not in ("metro", "drom"):
            continue  # collectivités d'outre-mer have no Caf
        rows_dep.append(
            {
                "code_departement": dep["code"],
                "nom_departement": dep["nom"],
                "code_region": dep["region"],
                "nom_region": regions[dep["region"]],
                "zone": dep["zone"],
                "population": population[dep["code"]],
                "type_liaison": dep["typeLiaison"],
                "source": source,
            }
        )
    return rows_dep


def write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str]) -> None:
    package_dir = Path(argv[1])
    version = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))["version"]
    rows_dep = build(package_dir, version)
    write_csv(SEEDS_DIR / "departements.csv", rows_dep)
    population = sum(r["population"] for r in rows_dep)
    print(f"{len(rows_dep)} départements, population {population:,}")
    print("ensuite : python -m pipelines.reference.reseau")


if __name__ == "__main__":
    main(sys.argv)
