"""Personal identifiers become keyed hashes at the door; the raw values are never stored.

HMAC-SHA256 with a secret key: without the key nobody can rebuild the hash of a known file
number (a plain hash could be reversed by hashing every possible number). The key comes from
$ARIPA_CLE_PSEUDONYMISATION (64 hex characters), or from a key file created on first run in the
data directory (git-ignored, readable by its owner only). A key shorter than 32 bytes is refused
from either source (an empty or two-character key file can be brute-forced in minutes); the key
file is written whole under a temporary name, then linked into place, so a crash or a concurrent
first run never leaves an empty or half-written key to be used. The same number gets the same key in
every extract and every month, as long as the key does not change: the load manifest records the
key's fingerprint and ingestion refuses a key that differs from the one the warehouse was built with.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import polars as pl

VARIABLE_CLE = "ARIPA_CLE_PSEUDONYMISATION"
LONGUEUR_CLE_HEX = 32  # 128 bits of the HMAC kept: collisions are out of reach at this scale


class CleInvalide(Exception):
    pass


@dataclass(frozen=True)
class Pseudonymiseur:
    cle: bytes

    @property
    def empreinte(self) -> str:
        """Identifies the key without revealing it."""
        return hmac.new(self.cle, b"empreinte de la cle ARIPA", hashlib.sha256).hexdigest()[:16]

    def cle_de(self, valeur: str) -> str:
        # Identifiers are compared without surrounding spaces or leading zeros lost by spreadsheets.
        normal = valeur.strip().upper()
        return hmac.new(self.cle, normal.encode("utf-8"), hashlib.sha256).hexdigest()[:LONGUEUR_CLE_HEX]

    def pseudonymiser(self, serie: pl.Series) -> pl.Series:
        """Hash each distinct value once (a file repeats the same débiteur many times)."""
        distinctes = serie.drop_nulls().unique()
        table = {v: self.cle_de(v) for v in distinctes.to_list()}
        return serie.replace_strict(table, default=None, return_dtype=pl.String)


LONGUEUR_MIN_CLE = 32  # bytes


def lire_cle(texte: str, origine: str) -> bytes:
    try:
        cle = bytes.fromhex(texte.strip())
    except ValueError as err:
        raise CleInvalide(f"{origine} doit contenir la clé en hexadécimal") from err
    if len(cle) < LONGUEUR_MIN_CLE:
        raise CleInvalide(f"{origine} : clé trop courte ({len(cle)} octets, {LONGUEUR_MIN_CLE} au moins)")
    return cle


def creer_fichier_cle(fichier: Path) -> None:
    """Write a new random key atomically (mode 600): complete under a temporary name, then linked
    to its name, which fails if another run created it meanwhile (that key is then kept)."""
    fichier.parent.mkdir(parents=True, exist_ok=True)
    provisoire = fichier.with_name(f".{fichier.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descripteur = os.open(provisoire, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descripteur, "w") as handle:
            handle.write(secrets.token_hex(LONGUEUR_MIN_CLE))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(provisoire, fichier)
    finally:
        provisoire.unlink(missing_ok=True)


def charger_cle(dossier_cles: Path) -> Pseudonymiseur:
    brut = os.environ.get(VARIABLE_CLE)
    if brut:
        return Pseudonymiseur(lire_cle(brut, VARIABLE_CLE))
    fichier = dossier_cles / "pseudonymisation.key"
    if not fichier.exists():
        creer_fichier_cle(fichier)
    return Pseudonymiseur(lire_cle(fichier.read_text(encoding="ascii", errors="replace"), str(fichier)))
