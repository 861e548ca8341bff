"""Latency of the dashboard's queries on the published national file.

The queries are not copied from the pages (they are being rebuilt): each page of the app is run
with Streamlit's AppTest while `dashboards.entrepot._lire`, the one door every page reads
through, records the SQL and parameters it is given. Each page's queries are then replayed as the
dashboard runs them uncached (per query a new in-memory database with the file attached, the
result fetched as a pandas frame), `REPETITIONS` times; the page's latency is the sum of its
queries, and its p95 is reported. Run as `python -m pipelines.banc.tableau_de_bord`,
ARIPA_DATA_DIR set: one JSON line.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import duckdb
import numpy as np

REPETITIONS = 20


def requetes_des_pages() -> dict[str, list[tuple[str, tuple]]]:
    from streamlit.testing.v1 import AppTest

    import dashboards.entrepot as entrepot

    app = Path(entrepot.__file__).parent / "app.py"
    pages = sorted((app.parent / "vues").glob("*.py"))
    enregistrees: list[tuple[str, tuple]] = []
    origine = entrepot._lire

    def enregistrer(sql: str, parametres: tuple, publication: tuple[str, float]):
        enregistrees.append((sql, tuple(parametres)))
        return origine.__wrapped__(sql, parametres, publication)

    entrepot._lire = enregistrer
    par_page: dict[str, list[tuple[str, tuple]]] = {}
    try:
        for page in pages:
            # A fresh session per page, as a reader opening its URL: one session switching pages
            # carried a widget's state into a page whose options differ (« France entière »).
            at = AppTest.from_file(str(app), default_timeout=120)
            at.run()  # the sign-in gate and the navigation of the national scope
            try:
                at.switch_page(f"vues/{page.name}")
            except ValueError:  # not a page of the national scope (Ma Caf is the Caf pilots')
                continue
            enregistrees.clear()
            at.run()
            if at.exception:
                raise RuntimeError(f"page {page.stem} : {at.exception[0].message}")
            par_page[page.stem] = list(dict.fromkeys(enregistrees))
    finally:
        entrepot._lire = origine
    return par_page


def latences(fichier: Path, par_page: dict[str, list[tuple[str, tuple]]]) -> dict[str, dict]:
    from dashboards.entrepot import _ouvrir

    resultat = {}
    for page, requetes in par_page.items():
        durees, erreurs = [], set()
        for _ in range(REPETITIONS):
            debut = time.perf_counter()
            for sql, parametres in requetes:
                with _ouvrir(str(fichier)) as con:  # as the page does: a fresh database, the file attached
                    try:
                        con.execute(sql, list(parametres)).df()
                    except duckdb.Error as err:  # the page shows it too; counted, not hidden
                        erreurs.add(f"{err.__class__.__name__} : {str(err).splitlines()[0][:120]}")
            durees.append(time.perf_counter() - debut)
        if erreurs:  # a page that fails has no latency: what it would show is an error
            resultat[page] = {"requetes": len(requetes), "erreurs": sorted(erreurs), "echec": True}
            continue
        resultat[page] = {
            "requetes": len(requetes),
            "erreurs": [],
            "p50_s": float(np.percentile(durees, 50)),
            "p95_s": float(np.percentile(durees, 95)),
        }
    return resultat


def main() -> None:
    from pipelines.config import chemins

    par_page = requetes_des_pages()
    debut = time.perf_counter()
    pages = latences(chemins().publication, par_page)
    # duree_s: the replays' whole time (what the bench's repetitions take the median of).
    print(json.dumps({"duree_s": time.perf_counter() - debut, "pages": pages}))


if __name__ == "__main__":
    main()
