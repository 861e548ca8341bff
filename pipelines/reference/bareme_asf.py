"""Build the `bareme_asf` dbt seed (BMAF, ASF rates, CRDS) from the openfisca-france parameters.

Source: the legislation parameters shipped as YAML in the `openfisca-france` wheel on PyPI (AGPL
code; the parameters restate the decrees they cite). The wheel is read, never installed:

    python3 -m pip download --no-deps openfisca-france -d /tmp/openfisca
    uv run python -m pipelines.reference.bareme_asf /tmp/openfisca/openfisca_france-<version>-py3-none-any.whl

One seed row per date on which one of the four parameters changes, from the value in force on
DEBUT (the first month of the network's extracts: a write-off request of January 2012 is classed
against the BMAF of 1 January 2012). The seed is committed; this script documents and reproduces it.
"""

from __future__ import annotations

import csv
import re
import sys
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml

SEEDS_DIR = Path(__file__).resolve().parents[2] / "dbt" / "seeds"
DEBUT = date(2012, 1, 1)
RACINE = "openfisca_france/parameters/"
PARAMETRES = {
    "bmaf": "prestations_sociales/prestations_familiales/bmaf/bmaf.yaml",
    "taux_asf_un_parent": "prestations_sociales/prestations_familiales/education_presence_parentale/asf/"
    "montant_asf/orphelin_assimile_seul_parent.yaml",
    "taux_asf_deux_parents": "prestations_sociales/prestations_familiales/education_presence_parentale/asf/"
    "montant_asf/orphelin_assimile_deux_parents.yaml",
    "taux_crds": "prelevements_sociaux/contributions_sociales/crds.yaml",
}
FORMATS = {
    "bmaf": "{:.2f}",
    "taux_asf_un_parent": "{:.4f}",
    "taux_asf_deux_parents": "{:.4f}",
    "taux_crds": "{:.3f}",
}


def version_du_paquet(wheel: Path) -> str:
    trouve = re.match(r"openfisca_france-(?P<version>[^-]+)-", wheel.name)
    if not trouve:
        raise ValueError(f"{wheel.name} : nom de wheel openfisca-france attendu")
    return trouve["version"]


def valeurs(archive: zipfile.ZipFile, chemin: str) -> list[tuple[date, Decimal]]:
    """(date of effect, value) of one parameter, in date order (a null value ends it)."""
    document = yaml.safe_load(archive.read(RACINE + chemin))
    serie = []
    for jour, contenu in sorted(document["values"].items()):
        valeur = contenu["value"] if isinstance(contenu, dict) else contenu
        if valeur is not None:
            serie.append(
                (jour if isinstance(jour, date) else date.fromisoformat(str(jour)), Decimal(str(valeur)))
            )
    return serie


def en_vigueur(serie: list[tuple[date, Decimal]], jour: date) -> Decimal:
    avant = [valeur for debut, valeur in serie if debut <= jour]
    if not avant:
        raise ValueError(f"aucune valeur en vigueur le {jour:%d/%m/%Y}")
    return avant[-1]


def construire(wheel: Path) -> list[dict]:
    version = version_du_paquet(wheel)
    with zipfile.ZipFile(wheel) as archive:
        series = {nom: valeurs(archive, chemin) for nom, chemin in PARAMETRES.items()}
    # The first row starts on the latest change on or before DEBUT: the value in force that day.
    premier = max(debut for serie in series.values() for debut, _ in serie if debut <= DEBUT)
    dates = sorted({debut for serie in series.values() for debut, _ in serie if debut > premier} | {premier})
    # The file of each parameter is named in the seed's documentation (dbt/seeds/_seeds.yml).
    source = f"paramètres openfisca-france {version} (wheel PyPI) : BMAF, taux de l'ASF, taux de la CRDS"
    return [
        {
            "date_debut": jour.isoformat(),
            **{nom: FORMATS[nom].format(en_vigueur(serie, jour)) for nom, serie in series.items()},
            "source": source,
        }
        for jour in dates
    ]


def main(argv: list[str]) -> None:
    lignes = construire(Path(argv[1]))
    with (SEEDS_DIR / "bareme_asf.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(lignes[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(lignes)
    print(f"{len(lignes)} périodes, de {lignes[0]['date_debut']} à {lignes[-1]['date_debut']}")


if __name__ == "__main__":
    main(sys.argv)
