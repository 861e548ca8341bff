"""The benchmark's table, French labels and number formats: each figure beside its goal."""

from __future__ import annotations

from rich.table import Table

from pipelines import format_fr

PIC_INGESTION_MAX = 8e9  # bytes: the initial national load's goal (issue 18)
ETAPES = {
    "generation": "Génération des extractions",
    "ingestion": "Ingestion et validation",
    "construction": "Construction dbt (build, docs, publication)",
    "prevision": "Prévisions à 12 mois (et republication)",
    "evaluation": "Évaluation GIPA (et republication)",
    "rapport": "Rapport mensuel",
    "publication": "Publication seule",
}


def _go(octets: float | None) -> str:
    return "—" if octets is None else f"{format_fr.nombre(octets / 1e9, 2)} Go"


def _s(secondes: float | None) -> str:
    return "—" if secondes is None else format_fr.duree(secondes)


def _atteint(valeur: float | None, objectif: float, au_plus: bool = True) -> str:
    if valeur is None:
        return "non mesuré"
    return "oui" if (valeur <= objectif if au_plus else valeur >= objectif) else "non"


def lignes(r: dict) -> list[tuple[str, str, str, str]]:
    """(mesure, valeur, objectif, atteint) for every figure of a run's results; a section the run
    did not reach (or that failed) is a row saying so, never left out."""
    sortie: list[tuple[str, str, str, str]] = []
    for bloc, libelle, objectif in BLOCS:
        try:
            sortie.extend(bloc(r))
        except (KeyError, TypeError):
            raison = next((v for k, v in r.get("echecs", {}).items() if k.endswith(bloc.__name__[1:])), "")
            sortie.append((libelle, f"non mesuré {raison}"[:150], objectif, "non mesuré"))
    return sortie


def _etapes(r: dict) -> list[tuple[str, str, str, str]]:
    sortie = []
    for nom, libelle in ETAPES.items():
        e = r["etapes"].get(nom, {"echec": "non mesuré : " + r.get("echecs", {}).get("etapes_aval", "")})
        if "ignore" in e or "echec" in e:
            sortie.append((libelle, e.get("ignore") or e.get("echec"), "—", "non mesuré"))
            continue
        valeur = f"{_s(e['duree_s'])}, pic {_go(e['pic_rss_octets'])}"
        if nom == "ingestion":
            valeur += f" ({format_fr.nombre(e['lignes_lues'])} lignes)"
            sortie.append((libelle, valeur, "pic ≤ 8 Go", _atteint(e["pic_rss_octets"], PIC_INGESTION_MAX)))
        else:
            sortie.append((libelle, valeur, "—", "—"))
    return sortie


def _plancher_et_pairs(r: dict) -> list[tuple[str, str, str, str]]:
    sortie = []
    p = r["plancher"]
    sortie.append(
        (
            "Plancher : dbt des 3 marts / une passe DuckDB",
            f"{_s(p['dbt_trois_marts']['duree_s'])} / {_s(p['plancher_duckdb']['duree_s'])} = "
            f"{format_fr.nombre(p['ratio'], 1)}",
            "≤ 3",
            _atteint(p["ratio"], p["objectif_max"]),
        )
    )
    pairs = r["pairs"]
    sortie.append(
        (
            "Pair pandas / plancher DuckDB (mêmes cellules : "
            + ("oui" if pairs["memes_cellules"] else "NON")
            + ")",
            f"{_s(pairs['pandas']['duree_s'])} / {_s(p['plancher_duckdb']['duree_s'])} = "
            f"{format_fr.nombre(pairs['ratio_pandas'], 1)}",
            "≥ 10",
            _atteint(pairs["ratio_pandas"], pairs["objectif_min"], au_plus=False),
        )
    )
    return sortie


def _pair_postgres(r: dict) -> list[tuple[str, str, str, str]]:
    sortie = []
    p, pairs = r["plancher"], r["pairs"]
    pg = pairs["postgres"]
    if "ratio" in pg:
        sortie.append(
            (
                "Pair PostgreSQL : dbt des 3 marts, PostgreSQL / DuckDB",
                f"{_s(pg['duree_s'])} / {_s(p['dbt_trois_marts']['duree_s'])} = "
                f"{format_fr.nombre(pg['ratio'], 1)}",
                "≥ 10",
                _atteint(pg["ratio"], pairs["objectif_min"], au_plus=False),
            )
        )
    else:
        raison = pg.get("ignore") or pg.get("echec") or "; ".join(pg.get("echecs", [])) or "échec"
        sortie.append(("Pair PostgreSQL", raison[:150], "≥ 10", "non mesuré"))
    return sortie


def _incremental(r: dict) -> list[tuple[str, str, str, str]]:
    sortie = []
    i = r["incremental"]
    sortie.append(
        (
            "Incrémental : un mois de plus (ingestion + build) / chargement complet",
            f"{_s(i['ingestion_s'])} + {_s(i['construction_s'])} = {format_fr.pourcentage(i['fraction'])}",
            "≤ 5 %",
            _atteint(i["fraction"], i["objectif_max"]),
        )
    )
    return sortie


def _tableau_de_bord(r: dict) -> list[tuple[str, str, str, str]]:
    sortie = []
    t = r["tableau_de_bord"]
    for page, figure in t["pages"].items():
        if figure.get("echec"):
            sortie.append(
                (
                    f"Tableau de bord, page {page} ({figure['requetes']} requête(s))",
                    f"échec : {figure['erreurs'][0]}"[:150],
                    "≤ 300 ms",
                    "non",
                )
            )
            continue
        sortie.append(
            (
                f"Tableau de bord, page {page} ({figure['requetes']} requête(s)), p95",
                f"{format_fr.nombre(figure['p95_s'] * 1000)} ms",
                "≤ 300 ms",
                _atteint(figure["p95_s"], t["objectif_max_s"]) if figure["requetes"] else "aucune requête",
            )
        )
    return sortie


def _passage_a_l_echelle(r: dict) -> list[tuple[str, str, str, str]]:
    e = r["passage_a_l_echelle"]
    points = ", ".join(
        f"{x['facteur']}× : {format_fr.nombre(x['lignes'])} lignes, {_s(x['duree_s'])}, "
        f"pic {_go(x['pic_rss_octets'])}"
        + ("" if x.get("controle_multiplie_exactement", True) else " (cellules NON multipliées)")
        for x in e["points"]
    )
    return [
        (
            "Passage à l'échelle : exposant de la durée du dbt run selon le volume",
            f"{format_fr.nombre(e['exposant'], 2)} ({points})",
            "≤ 1 (linéaire)",
            _atteint(e["exposant"], e["objectif_max"]),
        )
    ]


def _accueil_nouveau_venu(r: dict) -> list[tuple[str, str, str, str]]:
    a = r["accueil"]
    return [
        (
            "Attente du nouveau venu : première commande du README jusqu'au tableau de bord",
            a.get("ignore") or a.get("echec") or _s(a["duree_s"]),
            "< 90 s",
            _atteint(a.get("duree_s"), a.get("objectif_max_s", 90)) if "ignore" not in a else "non mesuré",
        )
    ]


BLOCS = [
    (_etapes, "Étapes", "—"),
    (_plancher_et_pairs, "Plancher et pair pandas", "≤ 3 ; ≥ 10"),
    (_pair_postgres, "Pair PostgreSQL", "≥ 10"),
    (_incremental, "Incrémental", "≤ 5 %"),
    (_tableau_de_bord, "Tableau de bord", "≤ 300 ms"),
    (_passage_a_l_echelle, "Passage à l'échelle", "≤ 1"),
    (_accueil_nouveau_venu, "Attente du nouveau venu", "< 90 s"),
]


def tableau(r: dict) -> Table:
    machine = r["machine"]
    titre = (
        f"Banc d'essai, échelle {r['echelle']} ({machine['processeurs']} cœurs, "
        f"{format_fr.nombre(machine['memoire_octets'] / 2**30)} Gio ; charge moyenne "
        f"{format_fr.nombre(machine['charge_au_debut'][0], 1)} au début, "
        f"{format_fr.nombre(machine.get('charge_a_la_fin', [0])[0], 1)} à la fin)"
    )
    t = Table(title=titre, title_justify="left")
    for colonne in ("mesure", "valeur", "objectif", "atteint"):
        t.add_column(colonne)
    for ligne in lignes(r):
        t.add_row(*ligne)
    return t
