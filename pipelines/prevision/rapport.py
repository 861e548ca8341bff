"""What the report and the CLI read of issue 20's outputs, from one published file.

`chapitre(fichier)` returns the data of the report's « Perspectives » chapter (pipelines/rapport/
calls it; the chapter's layout is the report's business): the forecasts, the back-test scores, the
alerts of the latest month, the national recovery curves and the proposed targets. It reads a
published file only, so the report shows what its readers' scope may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import format_fr

NOMS_MODELES = {"ets": "lissage exponentiel (ETS)", "saisonnier_naif": "saisonnier naïf"}


@dataclass(frozen=True)
class Chapitre:
    previsions: pd.DataFrame  # schema prevision, rows of the scope
    retro_test: pd.DataFrame  # back-test scores per series and model, pooled over zones
    alertes: pd.DataFrame  # alerts raised in the latest month of each type (published cells)
    courbes_nationales: pd.DataFrame  # recovery curves by cohort, national, ENSEMBLE
    objectifs: pd.DataFrame  # proposed targets
    calcule_le_utc: object  # when the forecasts were computed (None: not computed)


def _table(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    try:
        return con.execute(sql).df()
    except duckdb.CatalogException:  # a step not run yet: the chapter says so, it does not fail
        return pd.DataFrame()


def chapitre(fichier: Path) -> Chapitre:
    with duckdb.connect(str(fichier), read_only=True) as con:
        previsions = _table(con, "select * from prevision.previsions order by serie, niveau, code_zone, mois")
        retro = _table(con, "select * from prevision.retro_synthese order by serie, modele")
        alertes = _table(
            con,
            "select * from marts.alertes_mensuelles a where en_alerte and mois = "
            "(select max(mois) from marts.alertes_mensuelles b where b.type_alerte = a.type_alerte) "
            "order by type_alerte, niveau, code_zone, objet",
        )
        courbes = _table(
            con,
            "select * from marts.courbes_recouvrement_cohortes where niveau = 'national' "
            "and code_procedure = 'ENSEMBLE' order by annee_cohorte",
        )
        objectifs = _table(con, "select * from marts.objectifs_cafs_annuels order by niveau desc, code_zone")
        execution = _table(con, "select calcule_le_utc from prevision.execution")
    return Chapitre(
        previsions,
        retro,
        alertes,
        courbes,
        objectifs,
        execution["calcule_le_utc"].iloc[0] if len(execution) else None,
    )


def lignes_synthese(synthese: pd.DataFrame) -> list[str]:
    """The back-test in a few French lines (CLI, report)."""
    lignes = []
    for _, r in synthese.sort_values(["serie", "modele"]).iterrows():
        retenu = " — retenu" if r.get("est_retenu", False) else ""
        lignes.append(
            f"{r['serie']} · {NOMS_MODELES.get(r['modele'], r['modele'])} : "
            f"erreur absolue {format_fr.pourcentage(r['wape'])} (WAPE), "
            f"MASE {format_fr.nombre(r['mase'], 2)}, "
            f"couverture des intervalles 80 % : {format_fr.pourcentage(r['couverture_80'], 0)}, "
            f"95 % : {format_fr.pourcentage(r['couverture_95'], 0)}{retenu}"
        )
    return lignes
