"""`aripa realism`: the published figures next to the same figures computed from the built marts.

The comparison itself is the mart `marts.realisme_chiffres_publies` (dbt): this module only reads
it, brings volumes back to national scale when the data is a demo set (a tenth of the national
volume at `--scale demo`), and measures the gap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines import format_fr

TOLERANCE = 0.10  # the demo set must be within 10 % of every published figure
ORDRE = (
    "procedures_actives",
    "taux_recouvrement",
    "demandes_intermediation",
    "familles_asf",
    "asf_complementaire_experimentation",
)


@dataclass(frozen=True)
class Comparaison:
    indicateur: str
    libelle: str
    periode: str
    unite: str  # nombre | taux
    publie: float
    calcule: float | None  # at national scale

    @property
    def ecart(self) -> float | None:
        """Relative gap (calculated - published) / published."""
        if self.calcule is None:
            return None
        return (self.calcule - self.publie) / self.publie

    @property
    def conforme(self) -> bool:
        return self.ecart is not None and abs(self.ecart) <= TOLERANCE

    def texte(self, valeur: float | None) -> str:
        return format_fr.pourcentage(valeur) if self.unite == "taux" else format_fr.nombre(valeur)


def part_du_volume_national(donnees: Path) -> float:
    """Share of the national volume the loaded data represents: 1 for real extracts, the
    generator's scale for a demo set (written by `aripa generate` beside its truth file)."""
    fichier = donnees / "verite" / "generation.json"
    if not fichier.exists():
        return 1.0
    return float(json.loads(fichier.read_text(encoding="utf-8"))["part_du_volume_national"])


def comparer(publication: Path, part: float) -> list[Comparaison]:
    with duckdb.connect(str(publication), read_only=True) as con:
        lignes = con.execute(
            "select indicateur, libelle, annee, numero_mois, unite, valeur_publiee, valeur_calculee "
            "from marts.realisme_chiffres_publies order by indicateur, annee, numero_mois"
        ).fetchall()
    comparaisons = []
    for indicateur, libelle, annee, numero_mois, unite, publie, calcule in lignes:
        periode = str(annee) if numero_mois is None else f"{format_fr.MOIS[numero_mois - 1]} {annee}"
        if calcule is not None and unite == "nombre":
            calcule = calcule / part
        comparaisons.append(Comparaison(indicateur, libelle, periode, unite, publie, calcule))
    return sorted(
        comparaisons, key=lambda x: ORDRE.index(x.indicateur) if x.indicateur in ORDRE else len(ORDRE)
    )
