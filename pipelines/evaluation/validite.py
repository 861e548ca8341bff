"""Is the GIPA evaluation right? A checked-in script that prints figures (not a timed test).

    python -m pipelines.evaluation.validite [--panels 200] [--data-dir DIR]

1. Simulation: panels shaped like the real one (96 départements x 51 months, 20 treated from month
   33, département and month effects, AR(1) noise within a département, weights = amounts due)
   with a known planted effect on a rate, then with none: bias, 95 % interval coverage and
   false-positive rate of the estimator and inference `aripa evaluate` uses.
2. The demo data: the estimates against the generator's truth file (data/verite/verite_gipa.json).
3. Replication: Callaway and Sant'Anna (2021), county teen employment panel `mpdta` shipped in the
   `moderndid` package: overall ATT -0.0400 and ATT(2004, 2004) -0.0105 (their paper, Table 3,
   and the R `did` package's vignette).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.evaluation import estimateurs as est

DEPARTEMENTS, MOIS, TRAITES, DEBUT = 96, 51, 20, 33
EFFET = 0.04


def simuler_panel(rng: np.random.Generator, effet: float) -> pd.DataFrame:
    """A rate panel: 0.55 + département effect + common trend and seasonality + AR(1) noise,
    plus `effet` for treated départements from month DEBUT; weights vary by département."""
    dep = np.repeat(np.arange(DEPARTEMENTS), MOIS)
    t = np.tile(np.arange(MOIS), DEPARTEMENTS)
    effet_dep = rng.normal(0, 0.05, DEPARTEMENTS)
    effet_mois = 0.003 * np.arange(MOIS) + 0.02 * np.sin(np.arange(MOIS) * 2 * np.pi / 12)
    bruit = np.empty((DEPARTEMENTS, MOIS))
    bruit[:, 0] = rng.normal(0, 0.02, DEPARTEMENTS)
    for m in range(1, MOIS):  # serial correlation within a département: why SEs are clustered
        bruit[:, m] = 0.6 * bruit[:, m - 1] + rng.normal(0, 0.016, DEPARTEMENTS)
    traites = rng.choice(DEPARTEMENTS, TRAITES, replace=False)
    d = (np.isin(dep, traites) & (t >= DEBUT)).astype(float)
    y = 0.55 + effet_dep[dep] + effet_mois[t] + bruit.ravel() + effet * d
    poids = rng.lognormal(np.log(100_000), 0.6, DEPARTEMENTS)[dep] * rng.uniform(0.9, 1.1, dep.size)
    return pd.DataFrame({"dep": dep.astype(str), "t": t, "y": y, "w": poids, "d": d})


def simulation(panels: int, graine: int = 7) -> None:
    rng = np.random.default_rng(graine)
    print(
        f"1. Simulation : {panels} panels de {DEPARTEMENTS} départements x {MOIS} mois, "
        f"{TRAITES} traités à partir du mois {DEBUT}, effet planté {EFFET} (puis 0)"
    )
    debut = time.perf_counter()
    for effet in (EFFET, 0.0):
        lignes = []
        for _ in range(panels):
            panel = simuler_panel(rng, effet)
            crv = est.twfe(panel, pondere=True)
            ri = est.inference_randomisation(panel, pondere=True, tirages=999, graine=int(rng.integers(1e9)))
            lignes.append(
                (crv.estimation, crv.ic_bas, crv.ic_haut, crv.p_valeur, ri.ic_bas, ri.ic_haut, ri.p_valeur)
            )
        r = pd.DataFrame(lignes, columns=["b", "crv_bas", "crv_haut", "crv_p", "ri_bas", "ri_haut", "ri_p"])
        if effet:
            biais = r["b"].mean() - effet
            print(
                f"   effet {effet} : moyenne des estimations {r['b'].mean():.5f}, biais {biais:+.5f} "
                f"({biais / effet:+.1%} de l'effet ; exigé < 10 %)"
            )
            for nom in ("crv", "ri"):
                couverture = ((r[f"{nom}_bas"] <= effet) & (effet <= r[f"{nom}_haut"])).mean()
                print(
                    f"   couverture de l'IC à 95 % ({nom.upper()}) : {couverture:.3f} "
                    "(exigé entre 0,92 et 0,98)"
                )
            print(f"   puissance (p < 0,05, RI) : {(r['ri_p'] < 0.05).mean():.3f}")
        else:
            for nom in ("crv", "ri"):
                print(
                    f"   sans effet : faux positifs à 5 % ({nom.upper()}) : "
                    f"{(r[f'{nom}_p'] < 0.05).mean():.3f} (exigé <= 0,06)"
                )
    print(f"   durée : {time.perf_counter() - debut:.0f} s")


# The three estimates of the average effect (the event study and the placebo answer other questions).
METHODES_EFFET = ("twfe", "twfe_randomisation", "did2s")


def effets_plantes(verite: dict) -> dict[str, float]:
    """The generator's planted average effect, by outcome code of the results table."""
    return {
        "taux_recouvrement_tc": verite["taux_recouvrement_tc"]["effet_moyen"],
        "arrieres_pde_encaisses": verite["arrieres_pa_encaisses_pde"]["effet_moyen_par_departement_mois"],
    }


def face_a_la_verite(resultats: pd.DataFrame, verite: dict) -> pd.DataFrame:
    """Each estimate of an outcome with a planted effect, the truth beside it, and whether its 95 %
    interval covers it."""
    vrais = effets_plantes(verite)
    lignes = resultats[resultats["resultat"].isin(list(vrais)) & resultats["methode"].isin(METHODES_EFFET)]
    lignes = lignes.assign(verite=lignes["resultat"].map(vrais))
    dans_ic = (lignes["ic95_bas"] <= lignes["verite"]) & (lignes["verite"] <= lignes["ic95_haut"])
    return lignes.assign(dans_ic=dans_ic)


def demo(dossier: Path | None) -> None:
    """The results `aripa evaluate` wrote (what the dashboard shows) against the truth file."""
    import duckdb

    from pipelines.config import chemins

    c = chemins(dossier)
    fichier_verite = c.donnees / "verite" / "verite_gipa.json"
    if not fichier_verite.exists():
        raise SystemExit(f"fichier de vérité absent ({fichier_verite}) : données de `aripa demo` attendues")
    verite = json.loads(fichier_verite.read_text(encoding="utf-8"))
    try:
        with duckdb.connect(str(c.publication), read_only=True) as con:
            resultats = con.execute("select * from marts.evaluation_gipa_resultats").df()
    except (duckdb.IOException, duckdb.CatalogException) as err:
        raise SystemExit(
            f"résultats absents dans {c.publication} : lancer `aripa demo` (ou `aripa evaluate`)"
        ) from err
    print(f"2. Données de démonstration ({c.donnees}) face au fichier de vérité du générateur")
    for ligne in face_a_la_verite(resultats, verite).itertuples():
        print(
            f"   {ligne.resultat} [{ligne.groupe_temoin}, {ligne.methode}] : estimé {ligne.estimation:.4f} "
            f"[{ligne.ic95_bas:.4f} ; {ligne.ic95_haut:.4f}], vérité {ligne.verite:.4f} "
            f"-> {'dans' if ligne.dans_ic else 'HORS de'} l'IC"
        )


def mpdta() -> None:
    import moderndid as md

    donnees = md.load_mpdta()
    att = md.att_gt(
        donnees,
        yname="lemp",
        tname="year",
        idname="countyreal",
        gname="first.treat",
        est_method="reg",
        random_state=1,
    )
    global_ = md.aggte(att, type="simple")
    print("3. Réplication : Callaway et Sant'Anna (2021), panel mpdta (moderndid)")
    premier = float(np.asarray(att.att_gt)[0])
    print(f"   ATT(2004, 2004) : {premier:.4f} (publié : -0.0105)")
    print(
        f"   ATT global (agrégation simple) : {global_.overall_att:.4f}, écart-type {global_.overall_se:.4f} "
        "(publié : -0.0400)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panels", type=int, default=200)
    parser.add_argument("--data-dir", type=Path, default=None, help="données de démonstration construites")
    args = parser.parse_args()
    simulation(args.panels)
    demo(args.data_dir)
    mpdta()


if __name__ == "__main__":
    main()
