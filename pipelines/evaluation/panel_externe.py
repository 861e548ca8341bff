"""`aripa evaluate --panel FILE ...`: the same estimators on any unit x period panel file.

CSV (separator detected: `;` or `,`; decimal comma accepted with `;`) or Parquet. Columns named
by the user: unit, period (an integer or a date), outcome, the period from which the unit is
treated (empty, or 0 when 0 is not a period of the panel, for a never-treated unit), and an
optional weight. Bad input stops with the file, line and field; a row without an outcome (a rate
undefined that period) is left out and counted, never silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.evaluation import estimateurs as est
from pipelines.evaluation.executer import AVANCES, Evaluation, _ligne, estimer, placebo

UNITE = "unités du résultat"  # shown with four decimals (format_fr.effet)


class PanelInvalide(ValueError):
    pass


@dataclass(frozen=True)
class Colonnes:
    unite: str
    temps: str
    resultat: str
    traite_depuis: str
    poids: str | None = None


def lire(fichier: Path) -> pd.DataFrame:
    if not fichier.exists():
        raise PanelInvalide(f"{fichier} : fichier absent")
    if fichier.suffix.lower() == ".parquet":
        return pd.read_parquet(fichier)
    if fichier.suffix.lower() != ".csv":
        raise PanelInvalide(f"{fichier} : format non pris en charge (CSV ou Parquet attendu)")
    premiere = fichier.open(encoding="utf-8-sig").readline()
    sep = ";" if premiere.count(";") > premiere.count(",") else ","
    return pd.read_csv(fichier, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _numerique(cadre: pd.DataFrame, colonne: str, fichier: Path, vide_permis: bool) -> pd.Series:
    brut = cadre[colonne]
    if pd.api.types.is_numeric_dtype(brut):
        valeurs = brut.astype(float)
        mauvais = pd.Series(False, index=brut.index)
    else:
        texte = brut.astype(str).str.strip().str.replace("\u202f", "").str.replace(" ", "")
        texte = texte.where(~texte.str.fullmatch(r"-?\d+,\d+"), texte.str.replace(",", "."))
        valeurs = pd.to_numeric(texte.replace({"": np.nan, "nan": np.nan, "NA": np.nan}), errors="coerce")
        mauvais = valeurs.isna() & ~texte.isin(["", "nan", "NA"])
    if not vide_permis:
        mauvais |= valeurs.isna()
    if mauvais.any():
        i = int(np.flatnonzero(mauvais.to_numpy())[0])
        raise PanelInvalide(
            f"{fichier}, ligne {i + 2}, champ « {colonne} » : valeur non numérique « {brut.iloc[i]} » "
            f"({int(mauvais.sum())} ligne(s) dans ce cas)"
        )
    return valeurs


def _periodes(cadre: pd.DataFrame, c: Colonnes, fichier: Path) -> tuple[np.ndarray, np.ndarray]:
    """Period index of each row and the start period of each row's unit (NaN: never treated).
    Integer periods are kept; dates are ranked (the i-th distinct date is period i)."""
    temps = cadre[c.temps]
    debut = cadre[c.traite_depuis]
    try:
        t = _numerique(cadre, c.temps, fichier, vide_permis=False).to_numpy()
        d = _numerique(cadre, c.traite_depuis, fichier, vide_permis=True).to_numpy()
        if not np.all(t == np.round(t)):
            raise PanelInvalide(f"{fichier}, champ « {c.temps} » : périodes entières ou dates attendues")
        d = np.where((d == 0) & ~np.isin(0, t), np.nan, d)
        return t.astype(int), d
    except PanelInvalide as err:
        dates = pd.to_datetime(temps, errors="coerce", dayfirst="/" in str(temps.iloc[0]))
        if dates.isna().any():
            i = int(np.flatnonzero(dates.isna().to_numpy())[0])
            raise PanelInvalide(
                f"{fichier}, ligne {i + 2}, champ « {c.temps} » : ni une période entière ni une date "
                f"(« {temps.iloc[i]} »)"
            ) from err
        vides = debut.astype(str).str.strip().isin(["", "nan", "NaT", "0"])
        debuts = pd.to_datetime(debut.where(~vides), errors="coerce", dayfirst="/" in str(temps.iloc[0]))
        if (debuts.isna() & ~vides).any():
            i = int(np.flatnonzero((debuts.isna() & ~vides).to_numpy())[0])
            raise PanelInvalide(
                f"{fichier}, ligne {i + 2}, champ « {c.traite_depuis} » : date invalide (« {debut.iloc[i]} »)"
            ) from err
        uniques = np.sort(dates.unique())
        t = np.searchsorted(uniques, dates.to_numpy())
        d = np.where(debuts.isna(), np.nan, np.searchsorted(uniques, debuts.to_numpy()).astype(float))
        return t, d


def cadre_estimation(brut: pd.DataFrame, c: Colonnes, fichier: Path) -> tuple[pd.DataFrame, int]:
    """The estimators' frame (dep, t, y, w, d) and the number of rows left out for a missing outcome."""
    manquantes = [x for x in (c.unite, c.temps, c.resultat, c.traite_depuis, c.poids) if x and x not in brut]
    if manquantes:
        raise PanelInvalide(
            f"{fichier} : colonne(s) absente(s) : {', '.join(manquantes)} "
            f"(colonnes lues : {', '.join(map(str, brut.columns))})"
        )
    t, debut = _periodes(brut, c, fichier)
    y = _numerique(brut, c.resultat, fichier, vide_permis=True).to_numpy()
    w = _numerique(brut, c.poids, fichier, vide_permis=True).to_numpy() if c.poids else np.ones(len(brut))
    unite = brut[c.unite].astype(str).to_numpy()
    if (pd.Series(unite).str.strip() == "").any():
        i = int(np.flatnonzero(pd.Series(unite).str.strip() == "")[0])
        raise PanelInvalide(f"{fichier}, ligne {i + 2}, champ « {c.unite} » : unité vide")
    doublon = pd.DataFrame({"u": unite, "t": t}).duplicated()
    if doublon.any():
        i = int(np.flatnonzero(doublon.to_numpy())[0])
        raise PanelInvalide(f"{fichier}, ligne {i + 2} : unité et période déjà vues plus haut (doublon)")
    par_unite = pd.DataFrame({"u": unite, "d": debut}).groupby("u")["d"].nunique(dropna=False)
    if (par_unite > 1).any():
        raise PanelInvalide(
            f"{fichier}, champ « {c.traite_depuis} » : plusieurs dates de début pour l'unité "
            f"{par_unite[par_unite > 1].index[0]}"
        )
    if c.poids and (np.nan_to_num(w, nan=0.0) < 0).any():
        i = int(np.flatnonzero(np.nan_to_num(w) < 0)[0])
        raise PanelInvalide(f"{fichier}, ligne {i + 2}, champ « {c.poids} » : poids négatif")
    cadre = pd.DataFrame(
        {
            "dep": unite,
            "t": t,
            "y": y,
            "w": w,
            "d": (t >= np.nan_to_num(debut, nan=np.inf)).astype(float),
            "g": debut,
        }
    )
    garde = np.isfinite(cadre["y"]) & np.isfinite(cadre["w"]) & (cadre["w"] > 0)
    if cadre.loc[garde, "d"].sum() == 0:
        raise PanelInvalide(f"{fichier} : aucune observation traitée (champ « {c.traite_depuis} »)")
    if cadre.loc[garde & (cadre["d"] == 0), "dep"].nunique() == 0:
        raise PanelInvalide(f"{fichier} : aucune observation non traitée pour comparer")
    return cadre[garde].reset_index(drop=True), int((~garde).sum())


def evaluer_fichier(fichier: Path, c: Colonnes, tirages: int = 999) -> tuple[Evaluation, int]:
    cadre, exclues = cadre_estimation(lire(fichier), c, fichier)
    pondere = c.poids is not None
    note = f"pondéré par {c.poids}" if pondere else "non pondéré"
    meta = (c.resultat, c.resultat, UNITE, c.poids)
    # Leads back to the longest pre-period of any cohort (at most AVANCES).
    avances = int(min(AVANCES, max(1, est.cohortes(cadre).max() - cadre["t"].min())))
    estimations, etude = estimer(cadre, pondere, avances, tirages)
    lignes = [
        _ligne(*meta, "non_traites", m, e, cadre, " ; ".join(x for x in (note, n) if x))
        for m, e, n in estimations
    ]
    recul = int(min(12, (est.cohortes(cadre).min() - cadre["t"].min()) // 2))
    if recul >= 1:
        e, avant = placebo(cadre, pondere, recul, tirages)
        if avant["d"].sum() > 0 and (avant["d"] == 0).any():
            lignes.append(
                _ligne(
                    *meta,
                    "non_traites",
                    "placebo_debut_fictif",
                    e,
                    avant,
                    f"{note} ; faux début {recul} périodes avant",
                )
            )
    resultats = pd.DataFrame(lignes)
    etudes = etude.coefficients.assign(resultat=c.resultat, groupe_temoin="non_traites")
    return Evaluation(resultats, etudes, {}), exclues
