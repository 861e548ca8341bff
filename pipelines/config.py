"""Where things live. Every path derives from one data directory: `data/` or `$ARIPA_DATA_DIR`."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

RACINE_PROJET = Path(__file__).resolve().parents[1]
DOSSIER_DBT = RACINE_PROJET / "dbt"
DOSSIER_SEEDS = DOSSIER_DBT / "seeds"
FICHIER_CONTRAT = DOSSIER_DBT / "models" / "staging" / "extractions" / "_extractions__sources.yml"


@dataclass(frozen=True)
class Chemins:
    """The data directory's layout; all of it is generated and git-ignored."""

    donnees: Path
    landing: Path | None = None  # another landing directory, for one run

    @property
    def depot(self) -> Path:
        """Landing zone: the extracts as received."""
        return self.landing or self.donnees / "landing"

    @property
    def entrepot(self) -> Path:
        """The warehouse being built: only the pipeline opens it."""
        return self.donnees / "warehouse" / "aripa.duckdb"

    @property
    def dossier_publication(self) -> Path:
        """The published files, one per reader scope (pipelines/publication.py), each swapped in
        atomically after a successful build."""
        return self.donnees / "warehouse" / "publication"

    @property
    def publication(self) -> Path:
        """The national scope's published file (every Caf's aggregates, secret cells emptied)."""
        return self.dossier_publication / "national.duckdb"

    def publication_portee(self, fichier: str) -> Path:
        """The published file of a scope (its name: pipelines.portees.nom_fichier)."""
        return self.dossier_publication / fichier

    @property
    def cles(self) -> Path:
        return self.donnees / "cles"

    @property
    def comptes(self) -> Path:
        """The local accounts of the dashboard (pipelines/comptes.py): hashes, never passwords."""
        return self.donnees / "comptes" / "comptes.json"

    @property
    def sorties(self) -> Path:
        return self.donnees / "outputs"

    @property
    def documentation(self) -> Path:
        """The dbt documentation of the catalogue, one static HTML file (dbt docs generate --static)."""
        return self.sorties / "documentation" / "catalogue_indicateurs.html"


def chemins(donnees: Path | str | None = None) -> Chemins:
    """Resolve the data directory: explicit argument, then $ARIPA_DATA_DIR, then `data/`."""
    if donnees is None:
        donnees = os.environ.get("ARIPA_DATA_DIR") or RACINE_PROJET / "data"
    chemin = Path(donnees)
    return Chemins(_resolu(chemin) if chemin.is_absolute() else chemin.resolve())


@functools.lru_cache(maxsize=64)
def _resolu(chemin: Path) -> Path:
    """An absolute path resolved once per process: the dashboard asks for the data directory on
    every read, a dozen times per click, and each resolution walks the path with lstat calls."""
    return chemin.resolve()
