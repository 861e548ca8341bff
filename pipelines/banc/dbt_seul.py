"""`dbt run` timed from inside (the ~5 s import of dbt excluded), on the warehouse of a data
directory: `python -m pipelines.banc.dbt_seul DATA_DIR [SELECTION]`. Prints one JSON line."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from pipelines.config import chemins
from pipelines.construction import arguments_dbt, environnement_dbt


def main() -> None:
    c = chemins(Path(sys.argv[1]))
    selection = sys.argv[2] if len(sys.argv) > 2 else None
    os.environ.update(environnement_dbt(c))
    from dbt.cli.main import dbtRunner

    autres = ["--log-level", "none", "--log-level-file", "info", "--full-refresh"]
    autres += ["--select", selection] if selection else []
    debut, cpu = time.perf_counter(), time.process_time()
    resultat = dbtRunner().invoke(arguments_dbt(c, "run", *autres))
    duree, cpu = time.perf_counter() - debut, time.process_time() - cpu
    modeles = len(resultat.result or [])
    succes = bool(resultat.success) and modeles > 0
    print(json.dumps({"duree_s": duree, "cpu_s": cpu, "succes": succes, "modeles": modeles}))


if __name__ == "__main__":
    main()
