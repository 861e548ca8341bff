"""Keep Python's garbage collector off the long-lived objects of the served dashboard.

A full collection walks every object the process tracks: the libraries imported (streamlit, pandas,
plotly, duckdb: about 130 000 objects once a page has run), 80 to 270 ms on the shared 2-core
machine, paid inside a click, since it holds the GIL while the rerun's last messages wait to be
sent. Streamlit ran one after every rerun (`runner.postScriptGC`, turned off by `aripa
dashboard`), and Python runs one on its own every few reruns (1 in 10 on « Taux de recouvrement »,
113 ms). After the first run, the objects alive are moved to the permanent generation
(`gc.freeze`): a collection then walks only what the later reruns created (about 1 ms).
"""

from __future__ import annotations

import atexit
import gc

from streamlit import runtime
from streamlit.runtime import Runtime

_fige = False


def figer_le_demarrage() -> None:
    """Once per served process, after its first complete run: collect, then freeze what is left.
    Objects frozen are still freed when their last reference goes (a cache eviction); only the
    cyclic collector skips them. Not under AppTest (a mocked runtime): the test process keeps its
    collector as it is."""
    global _fige
    if _fige or not runtime.exists() or type(runtime.get_instance()) is not Runtime:
        return
    _fige = True
    gc.collect()
    gc.freeze()
    # Unfrozen at exit, so that the interpreter's last collection frees them (DuckDB's bindings
    # report the objects still alive at exit as leaks).
    atexit.register(gc.unfreeze)
