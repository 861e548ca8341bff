"""The monthly series forecast per Caf pivot (and nationally), read from the built marts.

Each series comes from one KPI mart, never recomputed here: the stock of active recovery
procedures (`procedures_actives_mensuel`, summed over types other than IF and over stages), and
the amounts expected and collected, all components (`taux_recouvrement_flux_mensuel`, ENSEMBLE
row). Zones: `caf_gestionnaire` (the 24 Caf pivots and the MSA: where the cases are worked) and
`national`.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

SERIES = {
    "procedures_actives": "Procédures de recouvrement actives en fin de mois",
    "montant_attendu": "Montants attendus au plan (toutes composantes), en euros",
    "montant_encaisse": "Montants encaissés (toutes composantes), en euros",
}

REQUETE = """
with stock as (
    select niveau, type_zone, code_zone, libelle_zone, mois, 'procedures_actives' as serie,
        cast(sum(procedures_actives) as double) as valeur,
        -- The total stock of a zone is no published cell (the mart publishes type x stage cells,
        -- some masked): its forecast is a model's output, never the total itself, and is kept
        -- when the zone's stock describes at least the threshold's débiteurs (5).
        sum(nb_debiteurs) >= 5 as diffusable
    from marts.procedures_actives_mensuel
    where niveau in ('national', 'caf_gestionnaire') and code_procedure <> 'IF'
    group by all
),
flux as (
    select niveau, type_zone, code_zone, libelle_zone, mois,
        cast(montant_attendu_total as double) as attendu, cast(montant_encaisse_total as double) as encaisse,
        est_diffusable as diffusable
    from marts.taux_recouvrement_flux_mensuel
    where niveau in ('national', 'caf_gestionnaire') and code_procedure = 'ENSEMBLE'
)
select * from stock
union all
select niveau, type_zone, code_zone, libelle_zone, mois, 'montant_attendu', attendu, diffusable from flux
union all
select niveau, type_zone, code_zone, libelle_zone, mois, 'montant_encaisse', encaisse, diffusable from flux
order by serie, niveau, code_zone, mois
"""


@dataclass(frozen=True)
class Serie:
    serie: str
    niveau: str
    type_zone: str
    code_zone: str
    libelle_zone: str
    mois: pd.DatetimeIndex  # first day of each month, contiguous
    valeurs: np.ndarray


def lire_series(entrepot, fenetre: int) -> tuple[list[Serie], list[str]]:
    """The series over their last `fenetre` months, and why any zone was left out: a gap in its
    months, or a cell masked by statistical secrecy in the window (a forecast published from it
    would come close to a figure the marts do not publish). Published: the forecasts only, never
    the history they are fitted on."""
    # Not read_only: in `aripa demo` dbt's connection to this file is still open in the process, and
    # DuckDB refuses a second connection with another configuration.
    with duckdb.connect(str(entrepot)) as con:
        cadre = con.execute(REQUETE).df()
    return decouper(cadre, fenetre)


def decouper(cadre: pd.DataFrame, fenetre: int) -> tuple[list[Serie], list[str]]:
    series, ecartees = [], []
    dernier = pd.Timestamp(cadre["mois"].max())
    debut = dernier - pd.DateOffset(months=fenetre - 1)
    for (serie, niveau, code), groupe in cadre.groupby(["serie", "niveau", "code_zone"], sort=True):
        groupe = groupe[pd.to_datetime(groupe["mois"]) >= debut].sort_values("mois")
        mois = pd.DatetimeIndex(pd.to_datetime(groupe["mois"]))
        attendus = pd.date_range(debut, dernier, freq="MS")
        if len(mois) != len(attendus) or not (mois == attendus).all():
            ecartees.append(f"{serie} {niveau} {code} : mois manquants dans les {fenetre} derniers")
            continue
        if not groupe["diffusable"].all():
            ecartees.append(f"{serie} {niveau} {code} : cellule soumise au secret dans la fenêtre")
            continue
        premiere = groupe.iloc[0]
        series.append(
            Serie(
                serie,
                niveau,
                premiere["type_zone"],
                code,
                premiere["libelle_zone"],
                mois,
                groupe["valeur"].to_numpy(dtype=float),
            )
        )
    return series, ecartees
