"""Who may open the dashboard, seen from the command line: the address it listens on, the secrets
file holding the identity provider's settings, the local accounts `aripa account` manages."""

from __future__ import annotations

import csv
import ipaddress
import os
import tomllib
from pathlib import Path

from pipelines import comptes
from pipelines.config import DOSSIER_SEEDS, RACINE_PROJET, Chemins
from pipelines.portees import Portee, PorteeInconnue, fichier_lecteurs, lire_portee, nom_fichier

VARIABLE_SECRETS = "ARIPA_SECRETS_STREAMLIT"


class HoteRefuse(ValueError):
    """The dashboard would be reachable from other machines with no sign-in."""


def fichier_secrets() -> Path:
    """Streamlit's secrets ([auth] for st.login): .streamlit/secrets.toml of the project, or
    $ARIPA_SECRETS_STREAMLIT. `aripa dashboard` passes it to Streamlit (secrets.files), so the
    server reads the same file whatever folder it is started from."""
    return Path(os.environ.get(VARIABLE_SECRETS) or RACINE_PROJET / ".streamlit" / "secrets.toml")


def auth_configuree(fichier: Path | None = None) -> bool:
    fichier = fichier or fichier_secrets()
    if not fichier.exists():
        return False
    with fichier.open("rb") as f:
        return bool(tomllib.load(f).get("auth"))


def connexion_configuree(c: Chemins) -> bool:
    """A sign-in is asked of every reader: an identity provider, or a local accounts file."""
    return auth_configuree() or c.comptes.exists()


def est_boucle_locale(hote: str) -> bool:
    if hote == "localhost":
        return True
    try:
        return ipaddress.ip_address(hote).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def verifier_hote(hote: str, connexion: bool) -> None:
    """Without sign-in every reader gets the anonymous scope (national, in the demo): that is only
    acceptable on this machine's loopback."""
    if not est_boucle_locale(hote) and not connexion:
        raise HoteRefuse(
            f"--host {hote} ouvrirait le tableau de bord à d'autres postes sans connexion : créer un "
            f"compte (`aripa account add`) ou configurer [auth] dans {fichier_secrets()} d'abord"
        )


def cafs_du_reseau() -> set[str]:
    with (DOSSIER_SEEDS / "cafs.csv").open(encoding="utf-8") as f:
        return {ligne["code_caf"] for ligne in csv.DictReader(f)}


def ajouter_compte(
    c: Chemins, email: str, scope: str | None, mot_de_passe: str
) -> tuple[comptes.Compte, str]:
    """Add (or update) a local account; its scope is --scope, or the one config/lecteurs.toml gives
    that e-mail. Returns the account and what its reader still needs (empty when nothing)."""
    email = comptes.normaliser(email)
    with fichier_lecteurs().open("rb") as f:  # lecteurs.toml alone, without the local accounts
        declaree = {k.lower(): v for k, v in tomllib.load(f).get("comptes", {}).items()}
    if scope is None and email not in declaree:
        raise PorteeInconnue(f"{email} n'a pas de portée dans {fichier_lecteurs().name} : préciser --scope")
    portee: Portee = lire_portee(scope if scope is not None else declaree[email])
    if email in declaree and lire_portee(declaree[email]) != portee:
        raise PorteeInconnue(
            f"{email} a la portée {declaree[email]} dans {fichier_lecteurs().name}, pas {portee}"
        )
    if portee.type == "caf" and portee.code_caf not in cafs_du_reseau():
        raise PorteeInconnue(f"Caf inconnue du réseau : {portee} (dbt/seeds/cafs.csv)")
    premier = not c.comptes.exists()
    compte = comptes.ajouter(c.comptes, email, portee, mot_de_passe)
    a_faire = []
    if premier:
        a_faire.append("premier compte local : le tableau de bord demande désormais une connexion à tous")
    if not c.publication_portee(nom_fichier(portee)).exists():
        a_faire.append(f"le fichier de la portée {portee} n'est pas encore publié : lancer `aripa build`")
    return compte, " ; ".join(a_faire)
