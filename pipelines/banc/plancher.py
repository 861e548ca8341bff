"""The floor and the pandas peer: the three main marts computed in one pass, straight from Parquet.

The marts (dbt) are the reference; this is the least work the engine can do for the same three
figures, to measure how far the dbt build is from it, and what a plain pandas script costs:
- TC flow rate by Caf gestionnaire x month: TC collected (payments' TC ventilation, by value
  date) / TC expected (plan), each procedure counted with its Caf in its latest photograph;
- active procedures by Caf gestionnaire x month end: engaged by the month's end and not closed by
  then (closed during the month: out of that month's stock);
- write-offs by Caf x year of request: requests, amount asked, amount written off.
Both implementations must give the same cells (`comparer`): a floor that computed something else
would prove nothing.

Run as `python -m pipelines.banc.plancher duckdb|pandas DIR`: prints the computation's own time
(imports and interpreter start excluded) as a JSON line, the sampler of mesure.py takes the memory.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

# The dbt marts this floor stands for: the bench's dbt and PostgreSQL runs build them and their
# upstream models, and PostgreSQL's rows are compared with DuckDB's mart by mart.
MARTS = ("taux_recouvrement_flux_mensuel", "procedures_actives_mensuel", "remises_dettes_annuel")
SELECTION = " ".join(f"+{mart}" for mart in MARTS)

EXTRAITS = {
    "procedures": "procedure_id, code_caf_gestionnaire, date_engagement, date_cloture, _periode",
    "plan_recouvrement": "procedure_id, mois, attendu_tc",
    "versements": "procedure_id, date_valeur, montant_tc",
    "remises_dettes": "code_caf, date_demande, montant_demande, montant_remis",
}

SQL_PROCEDURES = """
create or replace temp table proc as
select procedure_id, arg_max(code_caf_gestionnaire, _periode) as caf,
       arg_max(date_engagement, _periode) as engagement, arg_max(date_cloture, _periode) as cloture
from read_parquet('{d}/procedures.parquet') group by procedure_id
"""
SQL_FLUX = """
with attendu as (
    select p.caf, date_trunc('month', x.mois) as mois, sum(x.attendu_tc) as attendu
    from read_parquet('{d}/plan_recouvrement.parquet') x join proc p using (procedure_id) group by all
), encaisse as (
    select p.caf, date_trunc('month', v.date_valeur) as mois, sum(v.montant_tc) as encaisse
    from read_parquet('{d}/versements.parquet') v join proc p using (procedure_id) group by all
)
select caf, cast(mois as date) as mois, attendu, coalesce(encaisse, 0) as encaisse,
       coalesce(encaisse, 0) / nullif(attendu, 0) as taux
from attendu left join encaisse using (caf, mois) order by caf, mois
"""
SQL_ACTIVES = """
with calendrier as (
    select distinct cast(date_trunc('month', mois) as date) as mois
    from read_parquet('{d}/plan_recouvrement.parquet')
), mouvements as (
    select caf, cast(date_trunc('month', engagement) as date) as mois, 1 as delta from proc
    union all
    select caf, cast(date_trunc('month', cloture) as date), -1 from proc where cloture is not null
), avant as (  -- engaged before the calendar: in the stock from its first month
    select m.caf, greatest(m.mois, (select min(mois) from calendrier)) as mois, sum(m.delta) as delta
    from mouvements m group by all
), grille as (
    select c.caf, k.mois from (select distinct caf from proc) c cross join calendrier k
)
select g.caf, g.mois, sum(coalesce(a.delta, 0)) over (partition by g.caf order by g.mois) as actives
from grille g left join avant a using (caf, mois) order by g.caf, g.mois
"""
SQL_REMISES = """
select code_caf as caf, year(date_demande) as annee, count(*) as demandes,
       sum(montant_demande) as demande, sum(coalesce(montant_remis, 0)) as remis
from read_parquet('{d}/remises_dettes.parquet') group by all order by caf, annee
"""


def exporter(entrepot: Path, dossier: Path) -> dict[str, int]:
    """The columns the three marts need, from the warehouse's raw tables to Parquet (not timed)."""
    dossier.mkdir(parents=True, exist_ok=True)
    lignes = {}
    with duckdb.connect(str(entrepot), read_only=True) as con:
        for table, colonnes in EXTRAITS.items():
            con.execute(
                f"copy (select {colonnes} from raw.{table}) to '{dossier / table}.parquet' (format parquet)"
            )
            lignes[table] = con.execute(f"select count(*) from raw.{table}").fetchall()[0][0]
    return lignes


def plancher_duckdb(dossier: Path) -> dict[str, object]:
    with duckdb.connect(config={"memory_limit": "4GB", "threads": 2}) as con:
        con.execute(SQL_PROCEDURES.format(d=dossier))
        return {
            "flux": con.execute(SQL_FLUX.format(d=dossier)).df(),
            "actives": con.execute(SQL_ACTIVES.format(d=dossier)).df(),
            "remises": con.execute(SQL_REMISES.format(d=dossier)).df(),
        }


def pandas_seul(dossier: Path) -> dict[str, object]:
    """The same three marts in plain pandas (what a user would script instead)."""
    import pandas as pd

    proc = pd.read_parquet(dossier / "procedures.parquet")
    proc = proc.sort_values("_periode").drop_duplicates("procedure_id", keep="last")
    proc = proc.rename(columns={"code_caf_gestionnaire": "caf", "date_engagement": "engagement"})
    proc = proc.rename(columns={"date_cloture": "cloture"})[["procedure_id", "caf", "engagement", "cloture"]]
    plan = pd.read_parquet(dossier / "plan_recouvrement.parquet").merge(proc[["procedure_id", "caf"]])
    plan["mois"] = pd.to_datetime(plan["mois"]).dt.to_period("M").dt.to_timestamp()
    attendu = plan.groupby(["caf", "mois"], as_index=False)["attendu_tc"].sum()
    vers = pd.read_parquet(dossier / "versements.parquet").merge(proc[["procedure_id", "caf"]])
    vers["mois"] = pd.to_datetime(vers["date_valeur"]).dt.to_period("M").dt.to_timestamp()
    encaisse = vers.groupby(["caf", "mois"], as_index=False)["montant_tc"].sum()
    flux = attendu.merge(encaisse, on=["caf", "mois"], how="left").fillna({"montant_tc": 0})
    flux["taux"] = flux["montant_tc"].astype(float) / flux["attendu_tc"].astype(float)

    calendrier = pd.Series(sorted(plan["mois"].unique()))
    debut = calendrier.min()
    entrees = proc.assign(
        mois=pd.to_datetime(proc["engagement"]).dt.to_period("M").dt.to_timestamp(), delta=1
    )
    fermees = proc[proc["cloture"].notna()]
    sorties = fermees.assign(
        mois=pd.to_datetime(fermees["cloture"]).dt.to_period("M").dt.to_timestamp(), delta=-1
    )
    mouvements = pd.concat([entrees, sorties])[["caf", "mois", "delta"]]
    mouvements["mois"] = mouvements["mois"].clip(lower=debut)
    mouvements = mouvements.groupby(["caf", "mois"], as_index=False)["delta"].sum()
    grille = pd.MultiIndex.from_product([sorted(proc["caf"].unique()), calendrier], names=["caf", "mois"])
    actives = mouvements.set_index(["caf", "mois"]).reindex(grille, fill_value=0).reset_index()
    actives["actives"] = actives.groupby("caf")["delta"].cumsum()

    remises = pd.read_parquet(dossier / "remises_dettes.parquet")
    remises["annee"] = pd.to_datetime(remises["date_demande"]).dt.year
    remises = remises.groupby(["code_caf", "annee"], as_index=False).agg(
        demandes=("montant_demande", "size"),
        demande=("montant_demande", "sum"),
        remis=("montant_remis", "sum"),
    )
    return {"flux": flux, "actives": actives[["caf", "mois", "actives"]], "remises": remises}


def resume(marts: dict[str, object]) -> dict[str, float]:
    """Cells and totals of each mart: what both implementations must agree on."""
    flux, actives, remises = marts["flux"], marts["actives"], marts["remises"]
    colonne_tc = "encaisse" if "encaisse" in flux else "montant_tc"
    colonne_attendu = "attendu" if "attendu" in flux else "attendu_tc"
    return {
        "cellules_flux": len(flux),
        "attendu_tc": round(float(flux[colonne_attendu].astype(float).sum()), 2),
        "encaisse_tc": round(float(flux[colonne_tc].astype(float).sum()), 2),
        "cellules_actives": len(actives),
        "somme_actives": int(actives["actives"].sum()),
        "cellules_remises": len(remises),
        "remis": round(float(remises["remis"].astype(float).sum()), 2),
    }


def main() -> None:
    moteur, dossier = sys.argv[1], Path(sys.argv[2])
    debut, cpu = time.perf_counter(), time.process_time()
    marts = plancher_duckdb(dossier) if moteur == "duckdb" else pandas_seul(dossier)
    duree, cpu = time.perf_counter() - debut, time.process_time() - cpu
    # CPU time beside wall time: on a shared machine the wall time also measures the neighbours.
    print(json.dumps({"duree_s": duree, "cpu_s": cpu, "resume": resume(marts)}))


if __name__ == "__main__":
    main()
