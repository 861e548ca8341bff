"""Personal identifiers become keyed hashes at the door; the raw values are never stored.

HMAC-SHA256 with a secret key: without the key nobody can rebuild the hash of a known file
number (a plain hash could be reversed by hashing every possible number). The key comes from
$ARIPA_CLE_PSEUDONYMISATION (64 hex characters), or from a key file created on first run in the
data directory (git-ignored, readable by its owner only). The same number gets the same key in
every extract and every month, as long as the key does not change: the load manifest records the
key's fingerprint and ingestion refuses a key that differs from the one the warehouse was built with.
"""

from __future__ import annotations

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


def charger_cle(dossier_cles: Path) -> Pseudonymiseur:
    brut = os.environ.get(VARIABLE_CLE)
    if brut:
        try:
            cle = bytes.fromhex(brut.strip())
        except ValueError as err:
            raise CleInvalide(f"{VARIABLE_CLE} doit contenir la clé en hexadécimal") from err
        if len(cle) < 32:
            raise CleInvalide(f"{VARIABLE_CLE} : clé trop courte ({len(cle)} octets, 32 au moins)")
        return Pseudonymiseur(cle)
    fichier = dossier_cles / "pseudonymisation.key"
    if not fichier.exists():
        dossier_cles.mkdir(parents=True, exist_ok=True)
        descripteur = os.open(fichier, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descripteur, "w") as handle:
            handle.write(secrets.token_hex(32))
    return Pseudonymiseur(bytes.fromhex(fichier.read_text().strip()))
