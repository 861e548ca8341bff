"""Reader scopes, and which reader has which: configuration (config/lecteurs.toml), not code.

A scope is `national` (every Caf's aggregates), `comite` (the GIPA pilot committee: national,
regional and département aggregates, the evaluation) or `caf:CODE` (the local pilot of one Caf:
that Caf's aggregates and the national level; other Cafs only through unnamed comparisons). Each
scope is one published file (pipelines/publication.py): a reader opens that file and no other.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipelines.config import RACINE_PROJET

FICHIER_LECTEURS = RACINE_PROJET / "config" / "lecteurs.toml"


class PorteeInconnue(ValueError):
    """A scope that cannot be read, or a reader that has none."""


@dataclass(frozen=True)
class Portee:
    type: str  # national, comite, caf
    code_caf: str | None = None

    def __str__(self) -> str:
        return f"caf:{self.code_caf}" if self.type == "caf" else self.type


def lire_portee(texte: str) -> Portee:
    """'national', 'comite' or 'caf:331' -> a scope; anything else is refused."""
    texte = texte.strip()
    if texte in ("national", "comite"):
        return Portee(texte)
    if texte.startswith("caf:") and texte[4:].strip():
        code = texte[4:].strip()
        if not code.replace("_", "").isalnum():
            raise PorteeInconnue(f"code de Caf invalide dans la portée « {texte} »")
        return Portee("caf", code)
    raise PorteeInconnue(f"portée inconnue « {texte} » (attendu : national, comite ou caf:CODE)")


def nom_fichier(portee: Portee) -> str:
    return f"caf_{portee.code_caf}.duckdb" if portee.type == "caf" else f"{portee.type}.duckdb"


def fichier_lecteurs() -> Path:
    return Path(os.environ.get("ARIPA_LECTEURS") or FICHIER_LECTEURS)


def configuration(chemin: Path | None = None, comptes_locaux: Path | None = None) -> dict:
    """config/lecteurs.toml, with the scope of each local account (pipelines/comptes.py, the file
    `comptes_locaux`, by default the data directory's) added to its `[comptes]`. Once that file
    exists, `sans_connexion` is dropped: the dashboard then asks everyone to sign in."""
    from pipelines.comptes import lire_comptes
    from pipelines.config import chemins

    chemin = chemin or fichier_lecteurs()
    if not chemin.exists():
        raise PorteeInconnue(f"{chemin} : fichier des lecteurs absent (voir config/lecteurs.toml)")
    with chemin.open("rb") as f:
        config = tomllib.load(f)
    comptes_locaux = comptes_locaux or chemins().comptes
    if not comptes_locaux.exists():
        return config
    locaux = lire_comptes(comptes_locaux)
    declares = {k.lower(): v for k, v in config.get("comptes", {}).items()}
    for email, compte in locaux.items():
        if email in declares and lire_portee(declares[email]) != compte.portee:
            raise PorteeInconnue(
                f"le compte {email} a la portée {declares[email]} dans {chemin.name} "
                f"et {compte.portee} dans {comptes_locaux}"
            )
        declares[email] = str(compte.portee)
    config["comptes"] = declares
    config.pop("sans_connexion", None)
    return config


def portee_du_lecteur(compte: str | None, groupes: Iterable[str] = (), config: dict | None = None) -> Portee:
    """The scope of a signed-in reader (by account, then by identity-provider group), or, without
    sign-in (compte None), the scope the configuration gives an anonymous reader. An unknown
    signed-in reader has no scope: refused, never defaulted to national."""
    config = configuration() if config is None else config
    if compte is None:
        anonyme = config.get("sans_connexion", {}).get("portee")
        if not anonyme:
            raise PorteeInconnue("aucune portée sans connexion : se connecter")
        return lire_portee(anonyme)
    comptes = {k.lower(): v for k, v in config.get("comptes", {}).items()}
    if compte.lower() in comptes:
        return lire_portee(comptes[compte.lower()])
    par_groupe = config.get("groupes", {})
    trouvees = sorted({par_groupe[g] for g in groupes if g in par_groupe})
    if len(trouvees) == 1:
        return lire_portee(trouvees[0])
    if len(trouvees) > 1:
        raise PorteeInconnue(
            f"le compte {compte} a plusieurs portées par ses groupes ({', '.join(trouvees)})"
        )
    raise PorteeInconnue(f"le compte {compte} n'a pas de portée dans {fichier_lecteurs().name}")
