"""Who is reading: the sign-in gate of the dashboard, and the reader's scope.

Three modes, decided on every run (the first `aripa account add` takes effect without a restart):
- `oidc`: an `[auth]` section in the secrets (.streamlit/secrets.toml, or the file
  `aripa dashboard` passes): Streamlit's own st.login / st.user / st.logout against the network's
  OpenID Connect provider; the scope comes from the identity's e-mail, then its `groups` claim,
  through config/lecteurs.toml. Local accounts are not offered.
- `comptes`: no `[auth]`, and a local accounts file (pipelines/comptes.py, written by the first
  `aripa account add`, kept when its last account is removed): a form checks the e-mail and
  password against the Argon2id hash; the signed-in e-mail is kept in the server-side session
  state, never in the URL or a cookie.
- `sans_connexion`: neither (the local demo, served on 127.0.0.1 only): the `sans_connexion` scope
  of config/lecteurs.toml, when there is one. `aripa dashboard --host` on another address sets
  ARIPA_CONNEXION_EXIGEE=1: this mode then refuses everyone, even if the accounts file goes away.

Nothing the browser sends other than the sign-in itself decides the scope: not the URL (query
parameters are never read here), not st.user outside the `oidc` mode.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import streamlit as st

from pipelines import comptes
from pipelines.config import chemins
from pipelines.portees import Portee, PorteeInconnue, configuration, portee_du_lecteur

CLE_COMPTE = "aripa_compte_connecte"  # session-state key of the signed-in local account
VARIABLE_CONNEXION_EXIGEE = "ARIPA_CONNEXION_EXIGEE"


class Mode(StrEnum):
    oidc = "oidc"
    comptes = "comptes"
    sans_connexion = "sans_connexion"


@dataclass(frozen=True)
class Lecteur:
    mode: Mode
    identite: str | None  # the e-mail (or subject) signed in; None without sign-in
    portee: Portee


class NonConnecte(Exception):
    """Sign-in is required and this session has not signed in."""


def _section_auth() -> Mapping | None:
    """The `[auth]` secrets section, or None when there are no secrets or no such section."""
    if not st.secrets.load_if_toml_exists():
        return None
    section = st.secrets.get("auth")
    return section if isinstance(section, Mapping) and section else None


def mode_connexion() -> Mode:
    if _section_auth() is not None:
        return Mode.oidc
    if chemins().comptes.exists():  # even emptied: never back to the anonymous scope
        return Mode.comptes
    return Mode.sans_connexion


def _groupes(utilisateur: Mapping) -> list[str]:
    groupes = utilisateur.get("groups") or []
    return [groupes] if isinstance(groupes, str) else [str(g) for g in groupes]


def lecteur_courant() -> Lecteur:
    """This session's reader; NonConnecte when a sign-in is required, PorteeInconnue when the
    signed-in reader has no scope (never defaulted to another one)."""
    mode = mode_connexion()
    if mode is Mode.oidc:
        utilisateur = st.user
        if not utilisateur.get("is_logged_in", False):
            raise NonConnecte
        # Signed in without an e-mail claim: identified by its subject, never as anonymous.
        identite = str(utilisateur.get("email") or f"sub:{utilisateur.get('sub', '')}")
        return Lecteur(mode, identite, portee_du_lecteur(identite, _groupes(utilisateur)))
    if mode is Mode.comptes:
        email = st.session_state.get(CLE_COMPTE)
        if email is None:
            raise NonConnecte
        if email not in comptes.lire_comptes(chemins().comptes):  # removed since the sign-in
            del st.session_state[CLE_COMPTE]
            raise NonConnecte
        return Lecteur(mode, email, portee_du_lecteur(email, [], configuration()))
    if os.environ.get(VARIABLE_CONNEXION_EXIGEE) == "1":
        raise PorteeInconnue("ce serveur est ouvert à d'autres postes : connexion obligatoire")
    return Lecteur(mode, None, portee_du_lecteur(None, []))


def _formulaire_oidc() -> None:
    section = _section_auth() or {}
    fournisseurs = [nom for nom, valeur in section.items() if isinstance(valeur, Mapping)]
    # [auth] itself holds the provider (client_id...), or one named provider [auth.NOM].
    fournisseur = None if "client_id" in section or not fournisseurs else fournisseurs[0]
    st.info("Connectez-vous avec votre compte du réseau pour ouvrir le tableau de bord.")
    st.button("Se connecter", type="primary", on_click=st.login, args=(fournisseur,) if fournisseur else ())


def _formulaire_comptes() -> None:
    with st.form("connexion"):
        email = st.text_input("Adresse électronique")
        mot_de_passe = st.text_input("Mot de passe", type="password")
        envoye = st.form_submit_button("Se connecter", type="primary")
    if envoye:
        compte = comptes.verifier(comptes.lire_comptes(chemins().comptes), email, mot_de_passe)
        if compte is None:
            st.error("Adresse électronique ou mot de passe incorrect.")
            return
        st.session_state[CLE_COMPTE] = compte.email
        st.rerun()


def exiger_connexion() -> Lecteur:
    """The signed-in reader with a scope; otherwise the sign-in form (or the refusal) and the run
    stops here: no page reads anything."""
    try:
        return lecteur_courant()
    except NonConnecte:
        st.title("Pilotage ARIPA")
        if mode_connexion() is Mode.oidc:
            _formulaire_oidc()
        else:
            _formulaire_comptes()
    except PorteeInconnue as err:
        st.error(f"Accès refusé : {err}.")
        if mode_connexion() is Mode.oidc:
            st.button("Se déconnecter", on_click=st.logout)
        elif mode_connexion() is Mode.comptes:
            st.button("Se déconnecter", on_click=_deconnecter_compte)
    st.stop()
    raise AssertionError("st.stop() arrête l'exécution")  # for type checkers


def _deconnecter_compte() -> None:
    st.session_state.pop(CLE_COMPTE, None)


def libelle_portee(portee: Portee) -> str:
    if portee.type == "caf":
        return f"Caf {portee.code_caf}"
    return "France entière" if portee.type == "national" else "Comité de pilotage GIPA"


def menu_connexion(lecteur: Lecteur) -> None:
    """Who is signed in, with which scope, and the sign-out, in the sidebar."""
    with st.sidebar:
        if lecteur.identite is None:
            st.caption(f"Sans connexion (poste local) · portée : {libelle_portee(lecteur.portee)}")
            return
        st.caption(f"Connecté : {lecteur.identite} · portée : {libelle_portee(lecteur.portee)}")
        if lecteur.mode is Mode.oidc:
            st.button("Se déconnecter", on_click=st.logout)
        else:
            st.button("Se déconnecter", on_click=_deconnecter_compte)
