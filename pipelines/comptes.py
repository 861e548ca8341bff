"""Local accounts of the embedded single-machine dashboard: e-mail, Argon2id hash, scope.

One JSON file, `comptes/comptes.json` under the data directory (beside the pseudonymisation key,
never in the repository), mode 0600 in a 0700 folder. Passwords are never stored or printed: only
their Argon2id hash (argon2-cffi, its default parameters). Each account's scope is merged into the
`[comptes]` table of config/lecteurs.toml by pipelines.portees.configuration, so a local account
and an identity-provider account get their scope through the same layer, and `aripa build`
publishes the file of every Caf an account is given.

Once this file exists (even emptied of its accounts by `aripa account remove`), the dashboard asks
for a sign-in and the anonymous scope of lecteurs.toml (`sans_connexion`) no longer applies: only a
machine where no account was ever created serves the local demo without sign-in.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pipelines.portees import Portee, lire_portee

LONGUEUR_MINIMALE = 12
_HACHEUR = PasswordHasher()
# Verified when the account does not exist, so that an unknown e-mail costs the same time as a
# wrong password (no account enumeration by timing).
_EMPREINTE_FACTICE = _HACHEUR.hash("compte absent : empreinte factice")


class CompteInvalide(ValueError):
    """An account that cannot be added, removed or read."""


@dataclass(frozen=True)
class Compte:
    email: str
    portee: Portee
    empreinte: str
    cree_le: str


def normaliser(email: str) -> str:
    email = email.strip().lower()
    nom, _, domaine = email.partition("@")
    if not nom or not domaine or "@" in domaine or any(c.isspace() for c in email):
        raise CompteInvalide(f"adresse électronique invalide « {email} »")
    return email


def lire_comptes(fichier: Path) -> dict[str, Compte]:
    """Every account of the file; an absent file has none."""
    if not fichier.exists():
        return {}
    try:
        contenu = json.loads(fichier.read_text(encoding="utf-8"))
        return {
            email: Compte(email, lire_portee(c["portee"]), c["empreinte"], c["cree_le"])
            for email, c in contenu["comptes"].items()
        }
    except (ValueError, KeyError, TypeError) as err:
        raise CompteInvalide(f"{fichier} : fichier des comptes illisible ({err})") from err


def _ecrire(fichier: Path, comptes: dict[str, Compte]) -> None:
    """Write to a temporary file in the same folder, then rename: a dashboard reading the file
    never sees half of it."""
    fichier.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(fichier.parent, 0o700)
    contenu = {
        "comptes": {
            c.email: {"portee": str(c.portee), "empreinte": c.empreinte, "cree_le": c.cree_le}
            for c in sorted(comptes.values(), key=lambda c: c.email)
        }
    }
    descripteur, provisoire = tempfile.mkstemp(dir=fichier.parent, prefix=".comptes-", suffix=".json")
    try:
        with os.fdopen(descripteur, "w", encoding="utf-8") as f:
            json.dump(contenu, f, ensure_ascii=False, indent=2)
        os.chmod(provisoire, 0o600)
        os.replace(provisoire, fichier)
    except BaseException:
        Path(provisoire).unlink(missing_ok=True)
        raise


def ajouter(fichier: Path, email: str, portee: Portee, mot_de_passe: str) -> Compte:
    """Add an account, or replace its password and scope when it exists."""
    if len(mot_de_passe) < LONGUEUR_MINIMALE:
        raise CompteInvalide(f"mot de passe trop court : {LONGUEUR_MINIMALE} caractères au moins")
    comptes = lire_comptes(fichier)
    cree_le = datetime.now(UTC).isoformat(timespec="seconds")
    compte = Compte(normaliser(email), portee, _HACHEUR.hash(mot_de_passe), cree_le)
    comptes[compte.email] = compte
    _ecrire(fichier, comptes)
    return compte


def retirer(fichier: Path, email: str) -> None:
    comptes = lire_comptes(fichier)
    email = normaliser(email)
    if email not in comptes:
        raise CompteInvalide(f"aucun compte « {email} » dans {fichier}")
    del comptes[email]
    _ecrire(fichier, comptes)


def verifier(comptes: dict[str, Compte], email: str, mot_de_passe: str) -> Compte | None:
    """The account whose password this is, or None (unknown e-mail and wrong password alike)."""
    try:
        email = normaliser(email)
    except CompteInvalide:
        email = ""
    compte = comptes.get(email)
    try:
        _HACHEUR.verify(compte.empreinte if compte else _EMPREINTE_FACTICE, mot_de_passe)
    except (VerificationError, InvalidHashError):
        return None
    return compte
