"""Build the network seeds (`cafs`, `jumelages`) from the `departements` seed and seed 000.

Known from seed 000 (../shared/seeds, "Pension alimentaire, la Caf est à vos côtés"): 24 Caf pivots
and 1 caisse MSA do the recovery work, 77 Caf participantes; the SNAPA pivots are Ain, Charente,
Hérault and Seine-Maritime; the plateaux de jumelage hand part of the Alpes-Maritimes and Yvelines
work to Territoire de Belfort and Indre-et-Loire; the national phone platform is at the Caf de
Haute-Garonne. The full list of the 24 pivots is not in the seeds: the others are an ASSUMPTION,
chosen by a rule written here (one pivot per region, then more pivots where the population per
pivot is highest), and each participante goes to a pivot of its region. Users with the real list
replace `dbt/seeds/cafs.csv`; the `source` column says which rows are assumptions.

    uv run python -m pipelines.reference.reseau
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from pipelines.reference.departements import SEEDS_DIR, code_caf, write_csv

NOMBRE_PIVOTS = 24
SNAPA = ("01", "16", "34", "76")
JUMELAGES = (("06", "90"), ("78", "37"))  # (cédante, prenante)
PART_JUMELEE = 0.4  # ASSUMPTION: share of the cédante's cases managed by the prenante
PLATEFORME_TELEPHONIQUE = "31"
SOURCE_000 = "seed 000 (plaquette ARIPA, 24 Caf pivots + 1 MSA, SNAPA, jumelages)"
HYPOTHESE = (
    "hypothèse : liste complète des pivots non publiée dans les sources, "
    "règle dans pipelines/reference/reseau.py"
)


def lire_departements(chemin: Path = SEEDS_DIR / "departements.csv") -> list[dict]:
    with chemin.open(encoding="utf-8") as handle:
        return [row | {"population": int(row["population"])} for row in csv.DictReader(handle)]


def choisir_pivots(departements: list[dict]) -> dict[str, str]:
    """Département code -> reason it is a pivot (the source column)."""
    pivots = {d: f"pivot SNAPA, {SOURCE_000}" for d in SNAPA}
    for cedante, prenante in JUMELAGES:
        pivots.setdefault(cedante, f"pivot cédant d'un plateau de jumelage, {SOURCE_000}")
        pivots.setdefault(prenante, f"pivot prenant d'un plateau de jumelage, {SOURCE_000}")
    pivots.setdefault(PLATEFORME_TELEPHONIQUE, f"plateforme téléphonique nationale ; {HYPOTHESE}")
    par_region: dict[str, list[dict]] = defaultdict(list)
    for dep in sorted(departements, key=lambda d: (-d["population"], d["code_departement"])):
        par_region[dep["code_region"]].append(dep)
    for region in sorted(par_region):
        if not any(d["code_departement"] in pivots for d in par_region[region]):
            pivots[par_region[region][0]["code_departement"]] = f"premier pivot de sa région ; {HYPOTHESE}"
    while len(pivots) < NOMBRE_PIVOTS:

        def charge(region: str) -> float:
            population = sum(d["population"] for d in par_region[region])
            return population / sum(d["code_departement"] in pivots for d in par_region[region])

        candidates = [
            r for r in par_region if any(d["code_departement"] not in pivots for d in par_region[r])
        ]
        region = max(sorted(candidates), key=charge)
        suivant = next(d for d in par_region[region] if d["code_departement"] not in pivots)
        pivots[suivant["code_departement"]] = f"pivot ajouté à la région la plus chargée ; {HYPOTHESE}"
    return pivots


def rattacher(departements: list[dict], pivots: dict[str, str]) -> dict[str, str]:
    """Each participante to the pivot of its region with the least population assigned so far."""
    charge = {d["code_departement"]: d["population"] for d in departements if d["code_departement"] in pivots}
    region = {d["code_departement"]: d["code_region"] for d in departements}
    rattachement = {p: p for p in pivots}
    for dep in sorted(departements, key=lambda d: (-d["population"], d["code_departement"])):
        code = dep["code_departement"]
        if code in pivots:
            continue
        candidats = sorted(p for p in pivots if region[p] == dep["code_region"])
        pivot = min(candidats, key=lambda p: charge[p])
        rattachement[code] = pivot
        charge[pivot] += dep["population"]
    return rattachement


def construire(departements: list[dict]) -> tuple[list[dict], list[dict]]:
    from pipelines.reference.departements import nom_caf_depuis_seed

    pivots = choisir_pivots(departements)
    rattachement = rattacher(departements, pivots)
    cafs = []
    for dep in departements:
        code = dep["code_departement"]
        est_pivot = code in pivots
        cafs.append(
            {
                "code_caf": code_caf(code),
                "nom_caf": nom_caf_depuis_seed(dep),
                "type_organisme": "CAF",
                "code_departement": code,
                "role": "pivot" if est_pivot else "participante",
                "code_caf_pivot": code_caf(rattachement[code]),
                "membre_snapa": code in SNAPA,
                "source": pivots[code]
                if est_pivot
                else f"participante rattachée au pivot de sa région ; {HYPOTHESE}",
            }
        )
    cafs.append(
        {
            "code_caf": "MSA",
            "nom_caf": "Caisse MSA (recouvrement, régime agricole)",
            "type_organisme": "MSA",
            "code_departement": "",
            "role": "pivot",
            "code_caf_pivot": "MSA",
            "membre_snapa": False,
            "source": SOURCE_000,
        }
    )
    jumelages = [
        {
            "code_caf_cedante": code_caf(c),
            "code_caf_prenante": code_caf(p),
            "part_dossiers_geres": PART_JUMELEE,
            "source": f"{SOURCE_000} ; part des dossiers : hypothèse",
        }
        for c, p in JUMELAGES
    ]
    return cafs, jumelages


def main() -> None:
    cafs, jumelages = construire(lire_departements())
    write_csv(SEEDS_DIR / "cafs.csv", cafs)
    write_csv(SEEDS_DIR / "jumelages.csv", jumelages)
    roles = defaultdict(int)
    for caf in cafs:
        roles[caf["role"]] += 1
    print(f"{len(cafs)} organismes : {dict(roles)} ; {len(jumelages)} jumelages")


if __name__ == "__main__":
    main()
