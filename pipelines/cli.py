"""The `aripa` command: one sub-command per pipeline step, and `demo` to run them all."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipelines import format_fr
from pipelines.config import RACINE_PROJET, Chemins, chemins
from pipelines.format_fr import VIDE

app = typer.Typer(
    help=(
        "Pipeline de pilotage du réseau ARIPA : extractions -> contrôles -> entrepôt -> indicateurs "
        "-> tableaux de bord."
    ),
    no_args_is_help=True,
    add_completion=False,
)
# Piped into a log or CI (no terminal, no COLUMNS), Rich would fold tables at 80 columns: « déjà
# chargé » on two lines, extract names cut. A log is read wide: 160 columns unless told otherwise.
LARGEUR_HORS_TERMINAL = 160
console = Console(
    highlight=False,
    soft_wrap=True,
    width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else LARGEUR_HORS_TERMINAL,
)

OptionDonnees = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Dossier des données (défaut : $ARIPA_DATA_DIR, sinon data/)."),
]


class EtapeEchouee(Exception):
    pass


class Echelle(StrEnum):
    demo = "demo"
    national = "national"


@contextmanager
def etape(titre: str) -> Iterator[Callable[[str], None]]:
    """Print a step's start, its progress lines, and its duration (or its failure)."""
    console.print(f"[bold]▶ {titre}[/bold]")
    debut = time.perf_counter()
    try:
        yield lambda ligne: console.print(f"  {ligne}")
    except Exception:
        console.print(f"[red]✘ {titre} : échec après {format_fr.duree(time.perf_counter() - debut)}[/red]")
        raise
    console.print(f"[green]✔ {titre} : {format_fr.duree(time.perf_counter() - debut)}[/green]")


def mois_option(texte: str) -> date:
    try:
        annee, mois = texte.split("-")
        return date(int(annee), int(mois), 1)
    except ValueError as err:
        raise typer.BadParameter(f"mois attendu au format AAAA-MM, reçu {texte!r}") from err


def _generer(
    c: Chemins,
    sortie: Path | None,
    graine: int,
    debut: date,
    fin: date,
    echelle: str,
    format: str = "csv",
    defauts: float | None = None,
    sortie_defauts: Path | None = None,
) -> None:
    from pipelines.generation.demo import generer

    dossier = sortie or c.depot
    with etape(f"Génération des extractions de démonstration (échelle {echelle}) dans {dossier}") as dire:
        fichiers = generer(
            dossier,
            graine=graine,
            debut=debut,
            fin=fin,
            echelle=echelle,
            verite=c.donnees / "verite" / "verite_gipa.json",
            progression=dire,
            format=format,
        )
        total = sum(f.lignes for f in fichiers)
        dire(f"{len(fichiers)} fichiers, {format_fr.nombre(total)} lignes")
    if defauts is not None:
        from pipelines.generation.defauts import ecrire_manifeste, injecter

        cible = sortie_defauts or dossier.with_name(dossier.name + "_defauts")
        with etape(f"Copie avec défauts (taux {format_fr.nombre(defauts, 4)}) dans {cible}") as dire:
            liste = injecter(dossier, cible, defauts, graine)
            manifeste = ecrire_manifeste(liste, c.donnees / "verite" / "manifeste_defauts.csv")
            par_defaut: dict[str, int] = {}
            for d in liste:
                par_defaut[d.defaut] = par_defaut.get(d.defaut, 0) + 1
            for nom, nombre in sorted(par_defaut.items()):
                dire(f"{nom} : {format_fr.nombre(nombre)}")
            dire(f"manifeste des défauts : {manifeste}")


def tableau_ingestion(rapport) -> Table:
    """One line per extract and status: files, rows read, loaded, quarantined (they reconcile)."""
    groupes: dict[tuple[str, str], list] = {}
    for ligne in rapport.lignes:
        groupes.setdefault((ligne.extraction or "(non reconnu)", ligne.statut), []).append(ligne)
    table = Table(title="Rapport d'ingestion", title_justify="left")
    for colonne in ("extraction", "statut", "fichiers", "lues", "chargées", "quarantaine", "lignes vides"):
        table.add_column(colonne, justify="left" if colonne in ("extraction", "statut") else "right")
    for (extraction, statut), lignes in sorted(groupes.items()):
        table.add_row(
            extraction,
            statut,
            format_fr.nombre(len(lignes)),
            *(
                format_fr.nombre(sum(getattr(x, champ) for x in lignes))
                for champ in ("lignes_lues", "lignes_chargees", "lignes_quarantaine", "lignes_vides")
            ),
        )
    table.add_row(
        "[bold]total[/bold]",
        "",
        format_fr.nombre(len(rapport.lignes)),
        *(
            format_fr.nombre(rapport.total(champ))
            for champ in ("lignes_lues", "lignes_chargees", "lignes_quarantaine", "lignes_vides")
        ),
    )
    return table


def tableau_fichiers(lignes) -> Table:
    table = Table(title="Fichiers à examiner", title_justify="left")
    for colonne in ("fichier", "statut", "lues", "chargées", "quarantaine", "message"):
        table.add_column(
            colonne, justify="right" if colonne in ("lues", "chargées", "quarantaine") else "left"
        )
    for ligne in lignes:
        table.add_row(
            escape(ligne.fichier),  # a file name is the supplier's text: never read as markup
            ligne.statut,
            format_fr.nombre(ligne.lignes_lues),
            format_fr.nombre(ligne.lignes_chargees),
            format_fr.nombre(ligne.lignes_quarantaine),
            escape(ligne.message),
        )
    return table


def _ingerer(c: Chemins) -> None:
    from pipelines.ingestion.executer import ingerer
    from pipelines.ingestion.pseudonymisation import charger_cle

    with etape(f"Ingestion des extractions de {escape(str(c.depot))}") as dire:
        if not c.depot.exists() or not any(c.depot.iterdir()):
            raise EtapeEchouee(
                f"aucune extraction dans {c.depot} : lancer `aripa generate` ou y déposer les fichiers"
            )
        rapport = ingerer(
            c.depot, c.entrepot, charger_cle(c.cles), progression=lambda ligne: dire(escape(ligne))
        )
        console.print(tableau_ingestion(rapport))
        a_examiner = [
            ligne
            for ligne in rapport.lignes
            if ligne.statut in ("refusé", "déjà refusé", "ignoré", "remplacé")
            or ligne.lignes_quarantaine
            or ligne.message
        ]
        if a_examiner:
            console.print(tableau_fichiers(a_examiner))
        if rapport.refus:
            dire(
                f"[yellow]{len(rapport.refus)} fichier(s) refusé(s) ou ignoré(s) : "
                "voir le rapport ci-dessus[/yellow]"
            )


class Cible(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


def _executer_dbt(
    c: Chemins, cible: str, reconstruire: bool, tests_unitaires: bool, dire: Callable[[str], None]
) -> None:
    from pipelines.construction import executer_dbt

    if cible == "spark":
        from pipelines.construction_spark import construire_spark

        bilan = construire_spark(
            c, progression=dire, reconstruire=reconstruire, tests_unitaires=tests_unitaires
        )
    else:
        bilan = executer_dbt(c, progression=dire, reconstruire=reconstruire, tests_unitaires=tests_unitaires)
    unitaires = (
        f"{bilan.tests_unitaires} tests unitaires"
        if bilan.unitaires_lances
        else "tests unitaires dbt non lancés (`aripa build --unit-tests`)"
    )
    dire(f"{bilan.seeds} seeds, {bilan.modeles} modèles, {bilan.tests} tests de données, {unitaires}")
    if not bilan.succes:
        for echec in bilan.echecs:
            dire(f"[red]{echec}[/red]")
        raise EtapeEchouee(
            "dbt build a échoué : rien n'est publié, les tableaux de bord gardent la version précédente"
        )


def _construire(
    c: Chemins,
    reconstruire: bool = False,
    cible: str = "duckdb",
    tests_unitaires: bool = False,
    forcer: bool = False,
    documenter: bool = True,
) -> None:
    from pipelines.construction import (
        construction_a_jour,
        publier,
        retrait_depuis_la_derniere_construction,
    )

    moteur = "" if cible == "duckdb" else f" sur {cible}"
    with etape(f"Construction des indicateurs{moteur} (dbt build : seeds, modèles, tests)") as dire:
        if not c.entrepot.exists():
            raise EtapeEchouee(f"entrepôt absent ({c.entrepot}) : lancer `aripa ingest` d'abord")
        if not reconstruire and retrait_depuis_la_derniere_construction(c, cible):
            dire("fichier retiré depuis la dernière construction : modèles incrémentaux reconstruits")
            reconstruire = True
        gardee = (
            cible == "duckdb" and not (reconstruire or tests_unitaires or forcer) and construction_a_jour(c)
        )
        if gardee:
            dire(
                "rien de nouveau depuis la dernière construction (mêmes fichiers chargés, même projet "
                "dbt) : indicateurs gardés ; `aripa build --force` pour reconstruire quand même"
            )
        else:
            _executer_dbt(c, cible, reconstruire, tests_unitaires, dire)
    if documenter:
        _documenter(c, cible)
    with etape("Publication des fichiers lus par les tableaux de bord") as dire:
        dire(f"fichiers publiés, un par portée de lecteurs : {publier(c, moteur=cible)}")


def _documenter(c: Chemins, cible: str = "duckdb") -> None:
    from pipelines.construction import documentation_a_jour, generer_documentation

    if documentation_a_jour(c, cible):
        console.print(f"  documentation du catalogue inchangée (même projet dbt) : {c.documentation}")
    else:
        with etape("Documentation du catalogue (dbt docs generate)") as dire:
            dire(f"documentation : {generer_documentation(c, cible)}")


def _commande_serveur(c: Chemins, port: int, hote: str = "127.0.0.1") -> tuple[list[str], dict[str, str]]:
    from pipelines.acces import connexion_configuree, est_boucle_locale, fichier_secrets, verifier_hote

    if not c.publication.exists():
        raise EtapeEchouee(f"aucun fichier publié ({c.publication}) : lancer `aripa build` ou `aripa demo`")
    verifier_hote(hote, connexion_configuree(c))
    env = os.environ | {"ARIPA_DATA_DIR": str(c.donnees)}
    if not est_boucle_locale(hote):  # whatever happens to the accounts file, no anonymous reader
        env["ARIPA_CONNEXION_EXIGEE"] = "1"
    commande = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(RACINE_PROJET / "dashboards" / "app.py"),
        "--server.address",
        hote,
        "--secrets.files",
        str(fichier_secrets()),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
        # Streamlit runs a full gc.collect(2) after every rerun, holding the GIL while the rerun's
        # last messages wait to be sent: 80 to 270 ms of each click on the national file (profiled
        # with py-spy). Python's own generational collector still runs.
        "--runner.postScriptGC",
        "false",
    ]
    return commande, env


def _servir(c: Chemins, port: int, hote: str = "127.0.0.1") -> None:
    commande, env = _commande_serveur(c, port, hote)
    console.print(f"[bold]▶ Tableau de bord sur http://{hote}:{port}[/bold] (Ctrl+C pour arrêter)")
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is how a user stops the server
        subprocess.run(commande, env=env, check=False)


def _executer(action: Callable[[], None]) -> None:
    """Turn the pipeline's own errors into a clear message and exit code 1 (no traceback)."""
    from pipelines.ingestion.chargement import EntrepotIncompatible
    from pipelines.ingestion.pseudonymisation import CleInvalide
    from pipelines.ingestion.retrait import RetraitImpossible

    try:
        action()
    except (EtapeEchouee, CleInvalide, EntrepotIncompatible, RetraitImpossible, ValueError) as err:
        console.print(f"[red]Erreur : {escape(str(err))}[/red]")
        raise typer.Exit(1) from err


class Format(StrEnum):
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


@app.command()
def generate(
    out: Annotated[Path | None, typer.Option(help="Dossier de sortie (défaut : data/landing).")] = None,
    seed: Annotated[
        int, typer.Option(help="Graine : la même graine donne les mêmes fichiers, octet pour octet.")
    ] = 2026,
    scale: Annotated[
        Echelle, typer.Option(help="demo : un dixième du volume national ; national : taille réelle.")
    ] = Echelle.demo,
    format: Annotated[
        Format,
        typer.Option("--format", help="csv (export NSF : ;, cp1252, virgule décimale), parquet, xlsx."),
    ] = Format.csv,
    defects: Annotated[
        float | None,
        typer.Option(
            "--defects",
            help="Taux de lignes à défaut (ex. 0.001) : écrit aussi une copie fautive et son manifeste.",
        ),
    ] = None,
    defects_out: Annotated[
        Path | None, typer.Option(help="Dossier de la copie fautive (défaut : <out>_defauts).")
    ] = None,
    from_: Annotated[str, typer.Option("--from", help="Premier mois exporté (AAAA-MM).")] = "2012-01",
    to: Annotated[str, typer.Option("--to", help="Dernier mois exporté (AAAA-MM).")] = "2026-10",
    data_dir: OptionDonnees = None,
) -> None:
    """Écrire les extractions de démonstration au format du réseau, et la vérité de l'expérimentation."""
    c = chemins(data_dir)
    _executer(
        lambda: _generer(
            c,
            out,
            seed,
            mois_option(from_),
            mois_option(to),
            scale.value,
            format.value,
            defects,
            defects_out,
        )
    )


@app.command()
def ingest(
    landing: Annotated[
        Path | None, typer.Option(help="Dossier des extractions à charger (défaut : data/landing).")
    ] = None,
    data_dir: OptionDonnees = None,
    parquet: Annotated[
        bool,
        typer.Option(
            "--parquet",
            help="Déposer aussi les tables raw en Parquet (par extraction et mois) pour un autre moteur.",
        ),
    ] = False,
) -> None:
    """Contrôler, pseudonymiser et charger les extractions déposées dans l'entrepôt."""
    c = chemins(data_dir)

    def ingerer_puis_deposer() -> None:
        _ingerer(replace(c, landing=landing) if landing else c)
        if parquet:
            _deposer_parquet(c)

    _executer(ingerer_puis_deposer)


def _deposer_parquet(c: Chemins) -> None:
    from pipelines.ingestion.parquet import ecrire_passage_brut

    with etape("Passage Parquet des tables raw (lu par un autre moteur)") as dire:
        passage = ecrire_passage_brut(c.entrepot, c.donnees)
        for table, lignes in passage.tables.items():
            dire(f"raw.{table} : {format_fr.nombre(lignes)} lignes")
        dire(f"version : {passage.dossier}")


def _retirer(c: Chemins, fichier: str, motif: str) -> None:
    from pipelines.ingestion.retrait import retirer

    with etape(f"Retrait de {escape(fichier)} de l'entrepôt") as dire:
        retrait = retirer(c.entrepot, fichier, motif)
        dire(
            f"raw.{retrait.extraction} : {format_fr.nombre(retrait.lignes_retirees)} ligne(s) retirée(s), "
            f"{format_fr.nombre(retrait.lignes_quarantaine_retirees)} ligne(s) de quarantaine retirée(s) ; "
            "retrait inscrit dans raw.manifeste"
        )
        dire("le prochain `aripa build` reconstruit les modèles incrémentaux sans ces lignes")


@app.command()
def withdraw(
    fichier: Annotated[
        str, typer.Argument(help="Nom du fichier chargé à retirer (ex. versements_2026-07.csv).")
    ],
    motif: Annotated[str, typer.Option(help="Pourquoi le fichier est retiré (inscrit au manifeste).")] = (
        "non précisé"
    ),
    data_dir: OptionDonnees = None,
) -> None:
    """Retirer un fichier chargé : ses lignes et sa quarantaine quittent l'entrepôt (retrait inscrit)."""
    _executer(lambda: _retirer(chemins(data_dir), fichier, motif))


@app.command()
def build(
    data_dir: OptionDonnees = None,
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh",
            help="Reconstruire entièrement les modèles incrémentaux (versements, plan de recouvrement).",
        ),
    ] = False,
    target: Annotated[
        Cible,
        typer.Option(
            "--target",
            help="Moteur qui construit les marts : duckdb (l'entrepôt) ou spark (session Spark locale, "
            "depuis le passage Parquet des tables raw).",
        ),
    ] = Cible.duckdb,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Reconstruire même si rien n'a changé depuis la dernière construction "
            "(mêmes fichiers chargés, même projet dbt).",
        ),
    ] = False,
    unit_tests: Annotated[
        bool,
        typer.Option(
            "--unit-tests",
            help="Lancer aussi les tests unitaires dbt (la logique des modèles sur des entrées fixes) : "
            "après un changement des modèles ; inutiles à chaque mois, leurs entrées ne changent pas.",
        ),
    ] = False,
) -> None:
    """Construire et tester les indicateurs (dbt), puis publier la copie lue par les tableaux de bord."""
    _executer(
        lambda: _construire(
            chemins(data_dir),
            reconstruire=full_refresh,
            cible=target.value,
            tests_unitaires=unit_tests,
            forcer=force,
        )
    )


@app.command()
def dashboard(
    port: Annotated[int, typer.Option(help="Port du tableau de bord.")] = 8501,
    host: Annotated[
        str,
        typer.Option(
            help="Adresse d'écoute : 127.0.0.1 (ce poste seul) par défaut ; une autre adresse exige "
            "une connexion configurée (comptes locaux ou fournisseur d'identité)."
        ),
    ] = "127.0.0.1",
    data_dir: OptionDonnees = None,
) -> None:
    """Servir le tableau de bord (Streamlit) sur les derniers fichiers publiés (un par portée)."""
    _executer(lambda: _servir(chemins(data_dir), port, host))


def _realisme(c: Chemins) -> None:
    from pipelines.realisme import TOLERANCE, comparer, part_du_volume_national

    if not c.publication.exists():
        raise EtapeEchouee(f"aucun fichier publié ({c.publication}) : lancer `aripa build` ou `aripa demo`")
    part = part_du_volume_national(c.donnees)
    comparaisons = comparer(c.publication, part)
    titre = "Réalisme : chiffres publiés et chiffres calculés depuis les marts"
    if part != 1:
        titre += f" (volumes de démonstration ramenés à l'échelle nationale, x {format_fr.nombre(1 / part)})"
    table = Table(title=titre, title_justify="left")
    for colonne in ("chiffre", "période", "publié", "calculé", "écart", ""):
        table.add_column(colonne, justify="left" if colonne in ("chiffre", "période") else "right")
    for x in comparaisons:
        ecart = VIDE if x.ecart is None else f"{'+' if x.ecart > 0 else ''}{format_fr.pourcentage(x.ecart)}"
        table.add_row(
            x.libelle,
            x.periode,
            x.texte(x.publie),
            x.texte(x.calcule),
            ecart,
            "[green]✔[/green]" if x.conforme else "[red]✘[/red]",
        )
    console.print(table)
    hors = [x for x in comparaisons if not x.conforme]
    if hors:
        raise EtapeEchouee(
            f"{len(hors)} chiffre(s) sur {len(comparaisons)} à plus de {format_fr.pourcentage(TOLERANCE, 0)} "
            "du chiffre publié (ou non couverts par les extractions)"
        )
    console.print(
        f"[green]{len(comparaisons)} chiffres publiés sur {len(comparaisons)} retrouvés à "
        f"{format_fr.pourcentage(TOLERANCE, 0)} près[/green]"
    )


@app.command()
def realism(data_dir: OptionDonnees = None) -> None:
    """Comparer les chiffres publiés (seed chiffres_publies) aux mêmes chiffres calculés par les marts."""
    _executer(lambda: _realisme(chemins(data_dir)))


def _evaluer(c: Chemins) -> None:
    from pipelines.construction import publier

    with etape("Évaluation de l'expérimentation GIPA (doubles différences, groupes témoins)") as dire:
        if not c.entrepot.exists():
            raise EtapeEchouee(
                f"entrepôt absent ({c.entrepot}) : lancer `aripa ingest` et `aripa build` d'abord"
            )
        import duckdb

        from pipelines.evaluation.executer import (
            SCHEMA,
            deja_evaluee,
            ecrire,
            evaluer,
            figures,
            lire_evaluation,
        )
        from pipelines.evaluation.panel import empreinte_panel, lire_panel

        try:
            panel = lire_panel(c.entrepot)
        except duckdb.CatalogException as err:
            raise EtapeEchouee(
                "panel absent (marts.evaluation_panel_gipa) : lancer `aripa build` d'abord"
            ) from err
        empreinte = empreinte_panel(panel)
        calcule_le = deja_evaluee(c.entrepot, empreinte)
        if calcule_le is not None:
            dire(
                f"panel et méthodes inchangés depuis le calcul du {calcule_le:%d/%m/%Y à %H:%M} UTC : "
                "résultats gardés"
            )
            evaluation = lire_evaluation(c.entrepot)
        else:
            evaluation = evaluer(panel, progression=dire)
            calcule_le = ecrire(evaluation, c.entrepot, empreinte, len(panel))
        dire(
            f"{len(evaluation.resultats)} résultats dans {SCHEMA}.gipa_resultats "
            f"(panel {empreinte[:12]}, calculés le {calcule_le:%d/%m/%Y à %H:%M} UTC)"
        )
        for chemin in figures(evaluation, c.sorties / "evaluation"):
            dire(f"figure : {chemin}")
    for table in tableaux_evaluation(evaluation.resultats):
        console.print(table)
    _avertissements(evaluation.resultats)
    # The one publish step, whatever it publishes: the results reach readers only through it.
    with etape("Publication des fichiers lus par les tableaux de bord") as dire:
        dire(f"fichiers publiés, un par portée de lecteurs : {publier(c)}")


def _prevoir(c: Chemins) -> None:
    from pipelines.construction import publier

    with etape("Prévisions à 12 mois par Caf pivot (rétro-test, lissage exponentiel)") as dire:
        if not c.entrepot.exists():
            raise EtapeEchouee(
                f"entrepôt absent ({c.entrepot}) : lancer `aripa ingest` et `aripa build` d'abord"
            )
        import duckdb

        from pipelines.prevision.executer import SCHEMA, executer
        from pipelines.prevision.rapport import lignes_synthese

        try:
            resultat, calcule_le = executer(c.entrepot, progression=dire)
        except duckdb.CatalogException as err:
            raise EtapeEchouee("marts absents : lancer `aripa build` d'abord") from err
        for ligne in lignes_synthese(resultat.retro_synthese):
            dire(ligne)
        for raison in resultat.ecartees:
            dire(f"écartée : {raison}")
        dire(f"prévisions écrites dans {SCHEMA}.previsions (calculées le {calcule_le:%d/%m/%Y à %H:%M} UTC)")
    with etape("Publication des fichiers lus par les tableaux de bord") as dire:
        dire(f"fichiers publiés, un par portée de lecteurs : {publier(c)}")


@app.command()
def forecast(data_dir: OptionDonnees = None) -> None:
    """Prévoir 12 mois de stock de procédures et de montants attendus / encaissés par Caf pivot
    (rétro-test face au saisonnier naïf, schéma `prevision`, publication)."""
    _executer(lambda: _prevoir(chemins(data_dir)))


def _evaluer_fichier(fichier: Path, colonnes) -> None:
    from pipelines.evaluation.panel_externe import evaluer_fichier

    with etape(f"Évaluation du panel {fichier}") as dire:
        evaluation, exclues = evaluer_fichier(fichier, colonnes)
        r = evaluation.resultats.iloc[0]
        dire(
            f"{r['nb_departements_traites']} unités traitées, {r['nb_departements_temoins']} témoins, "
            f"{r['nb_mois']} périodes ; {exclues} ligne(s) sans résultat ou sans poids laissée(s) de côté"
        )
    for table in tableaux_evaluation(evaluation.resultats):
        console.print(table)
    _avertissements(evaluation.resultats)


def _avertissements(resultats) -> None:
    for r in resultats[resultats["avertissement"] != ""].itertuples():
        console.print(f"[yellow]Attention ({r.resultat}, {r.methode}) : {r.avertissement}[/yellow]")


def tableaux_evaluation(resultats) -> list[Table]:
    """One table per outcome and control group: every estimate of the average effect, the main
    reading (TWFE with randomisation inference) first, and the minimum detectable effect (80 %)."""
    from pipelines.evaluation.executer import COURTS, METHODES

    ordre = {m: i for i, m in enumerate(METHODES)}
    temoins = {"tous_non_experimentaux": "tous", "apparies": "appariés", "non_traites": "non traités"}
    tables = []
    lignes = resultats.assign(_o=resultats["methode"].map(ordre)).sort_values("_o", kind="stable")
    for (_, groupe), bloc in lignes.groupby(["resultat", "groupe_temoin"], sort=False):
        r0 = bloc.iloc[0]
        table = Table(
            title=(
                f"{r0['libelle_resultat']} ({r0['unite']}) — témoins : {temoins.get(groupe, groupe)} "
                f"({r0['nb_departements_traites']} traités / {r0['nb_departements_temoins']} témoins)"
            ),
            title_justify="left",
        )
        for colonne in ("méthode", "estimation", "IC à 95 %", "p", "EMD 80 %"):
            table.add_column(colonne, justify="left" if colonne == "méthode" else "right")
        for r in bloc.itertuples():
            table.add_row(
                COURTS[r.methode],
                format_fr.effet(r.estimation, r.unite),
                format_fr.intervalle(r.ic95_bas, r.ic95_haut, r.unite),
                format_fr.nombre(r.p_valeur, decimales=3),
                format_fr.effet(r.effet_minimum_detectable_80, r.unite),
            )
        tables.append(table)
    return tables


@app.command()
def evaluate(
    data_dir: OptionDonnees = None,
    panel: Annotated[
        Path | None,
        typer.Option("--panel", help="Un autre panel à évaluer (CSV ou Parquet) au lieu du panel GIPA."),
    ] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Colonne de l'unité (la grappe).")] = None,
    time_: Annotated[
        str | None, typer.Option("--time", help="Colonne de la période (entier ou date).")
    ] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="Colonne du résultat.")] = None,
    treated_from: Annotated[
        str | None,
        typer.Option(
            "--treated-from", help="Colonne de la période de début du traitement (vide : jamais traitée)."
        ),
    ] = None,
    weight: Annotated[str | None, typer.Option("--weight", help="Colonne de poids (facultative).")] = None,
) -> None:
    """Évaluer l'expérimentation GIPA face à des groupes témoins (résultats dans le schéma `evaluation`
    de l'entrepôt, figures, publication), ou, avec --panel, n'importe quel panel unité x période."""
    if panel is None:
        if any(x is not None for x in (unit, time_, outcome, treated_from, weight)):
            console.print("[red]Erreur : --unit, --time, --outcome, --treated-from vont avec --panel[/red]")
            raise typer.Exit(2)
        _executer(lambda: _evaluer(chemins(data_dir)))
        return
    from pipelines.evaluation.panel_externe import Colonnes

    manquantes = [
        n
        for n, v in (
            ("--unit", unit),
            ("--time", time_),
            ("--outcome", outcome),
            ("--treated-from", treated_from),
        )
        if v is None
    ]
    if manquantes:
        console.print(f"[red]Erreur : avec --panel, il faut aussi {', '.join(manquantes)}[/red]")
        raise typer.Exit(2)
    _executer(lambda: _evaluer_fichier(panel, Colonnes(unit, time_, outcome, treated_from, weight)))


def _rapport(c: Chemins, portee: str, mois: str | None, annee: int | None) -> None:
    from pipelines.portees import PorteeInconnue, lire_portee
    from pipelines.rapport.donnees import Periode, RapportImpossible
    from pipelines.rapport.executer import produire

    if (mois is None) == (annee is None):
        raise EtapeEchouee(
            "donner --month AAAA-MM (rapport mensuel) ou --year AAAA (rapport annuel), l'un des deux"
        )
    periode = (
        Periode(annee) if annee is not None else Periode(mois_option(mois).year, mois_option(mois).month)
    )
    with etape(f"Rapport du comité de pilotage ({portee}, {periode})") as dire:
        try:
            rapport = produire(c, lire_portee(portee), periode)
        except (RapportImpossible, PorteeInconnue) as err:
            raise EtapeEchouee(str(err)) from err
        dire(f"PDF ({rapport.pages} pages) : {rapport.pdf}")
        dire(f"HTML : {rapport.html}")


@app.command()
def report(
    month: Annotated[str | None, typer.Option("--month", help="Mois du rapport mensuel (AAAA-MM).")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Année du rapport annuel intermédiaire.")] = None,
    scope: Annotated[
        str, typer.Option("--scope", help="Portée : national, comite ou caf:CODE (comité local).")
    ] = "national",
    data_dir: OptionDonnees = None,
) -> None:
    """Écrire le rapport du comité de pilotage (PDF et HTML dans data/outputs/rapports/), depuis le
    fichier publié de la portée."""
    _executer(lambda: _rapport(chemins(data_dir), scope, month, year))


@app.command()
def demo(
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Servir le tableau de bord à la fin.")
    ] = True,
    port: Annotated[int, typer.Option(help="Port du tableau de bord.")] = 8501,
    seed: Annotated[int, typer.Option(help="Graine des données de démonstration.")] = 2026,
    from_: Annotated[str, typer.Option("--from", help="Premier mois exporté (AAAA-MM).")] = "2012-01",
    to: Annotated[str, typer.Option("--to", help="Dernier mois exporté (AAAA-MM).")] = "2026-10",
    data_dir: OptionDonnees = None,
) -> None:
    """Tout enchaîner sur les données de démonstration : generate, ingest, build, forecast, evaluate, report
    (, dashboard)."""
    c = chemins(data_dir)

    def tout() -> None:
        debut = time.perf_counter()
        _generer(c, None, seed, mois_option(from_), mois_option(to), "demo")
        _ingerer(c)
        # The catalogue's HTML is not read by the dashboard (its pages read the published file's
        # comments): it is written once the dashboard serves.
        _construire(c, documenter=False)
        # The dashboard serves from the first publication: the forecasts and the evaluation reach it
        # when they are republished (its pages say what is not computed yet), the report meanwhile.
        serveur = None
        if serve:
            commande, env = _commande_serveur(c, port)
            serveur = subprocess.Popen(commande, env=env)
            console.print(
                f"[bold]▶ Tableau de bord sur http://127.0.0.1:{port}[/bold] (prévisions, évaluation "
                "et rapport suivent ; Ctrl+C pour arrêter)"
            )
        try:
            _documenter(c)
            _prevoir(c)
            _evaluer(c)
            _rapport(c, "national", to, None)  # the latest month's national report
            duree = format_fr.duree(time.perf_counter() - debut)
            console.print(f"[bold green]Démonstration prête en {duree}[/bold green]")
            if serveur is not None:
                with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is how a user stops the server
                    serveur.wait()
        finally:
            if serveur is not None and serveur.poll() is None:
                serveur.terminate()  # a step failed, or Ctrl+C: no server left behind
                serveur.wait(timeout=30)

    _executer(tout)


comptes_app = typer.Typer(
    help="Comptes locaux du tableau de bord (poste unique) : mot de passe haché (Argon2id), portée.",
    no_args_is_help=True,
)
app.add_typer(comptes_app, name="account")
VARIABLE_MOT_DE_PASSE = "ARIPA_MOT_DE_PASSE"


@comptes_app.command("add")
def account_add(
    email: Annotated[str, typer.Argument(help="Adresse électronique du lecteur (son identifiant).")],
    scope: Annotated[
        str | None,
        typer.Option(help="Portée : national, comite ou caf:CODE (défaut : celle de config/lecteurs.toml)."),
    ] = None,
    data_dir: OptionDonnees = None,
) -> None:
    """Ajouter un compte local (ou changer son mot de passe et sa portée). Le mot de passe est demandé
    (ou lu dans $ARIPA_MOT_DE_PASSE), jamais affiché ni écrit en clair."""
    from pipelines.acces import ajouter_compte

    def action() -> None:
        c = chemins(data_dir)
        mot_de_passe = os.environ.get(VARIABLE_MOT_DE_PASSE) or typer.prompt(
            "Mot de passe", hide_input=True, confirmation_prompt="Confirmer le mot de passe"
        )
        compte, avertissement = ajouter_compte(c, email, scope, mot_de_passe)
        console.print(f"Compte {escape(compte.email)} enregistré, portée {compte.portee} ({c.comptes})")
        if avertissement:
            console.print(f"[yellow]{escape(avertissement)}[/yellow]")

    _executer(action)


@comptes_app.command("remove")
def account_remove(email: str, data_dir: OptionDonnees = None) -> None:
    """Supprimer un compte local : sa session ouverte se ferme à la prochaine interaction."""
    from pipelines.comptes import retirer

    def action() -> None:
        c = chemins(data_dir)
        retirer(c.comptes, email)
        console.print(f"Compte {escape(email.strip().lower())} supprimé")

    _executer(action)


@comptes_app.command("list")
def account_list(data_dir: OptionDonnees = None) -> None:
    """Lister les comptes locaux et leur portée (jamais les empreintes)."""
    from pipelines.comptes import lire_comptes

    def action() -> None:
        tableau = Table("compte", "portée", "créé le")
        for compte in lire_comptes(chemins(data_dir).comptes).values():
            tableau.add_row(escape(compte.email), str(compte.portee), compte.cree_le)
        console.print(tableau)

    _executer(action)


class EchelleBanc(StrEnum):
    tiny = "tiny"
    demo = "demo"
    national = "national"


@app.command()
def bench(
    scale: Annotated[
        EchelleBanc, typer.Option(help="tiny : 5 mois de démonstration ; demo ; national : taille réelle.")
    ] = EchelleBanc.demo,
    runs: Annotated[int, typer.Option(help="Répétitions des mesures courtes (plancher, pairs, pages).")] = 1,
    work_dir: Annotated[
        Path | None, typer.Option(help="Dossier de travail du banc (défaut : data/bench/<échelle>).")
    ] = None,
    sans_accueil: Annotated[
        bool,
        typer.Option(
            "--sans-accueil", help="Ne pas mesurer l'attente du nouveau venu (un clone et aripa demo)."
        ),
    ] = False,
    reprendre: Annotated[
        Path | None,
        typer.Option(
            help="Dossier de données d'une ingestion complète déjà mesurée : son dernier mois est retiré "
            "de la copie et rechargé comme mois incrémental (génération et ingestion non refaites)."
        ),
    ] = None,
    landing: Annotated[Path | None, typer.Option(help="Dépôt des extractions de --reprendre.")] = None,
    ingestion_seule: Annotated[
        bool,
        typer.Option(
            "--ingestion-seule",
            help="Générer et charger l'historique (mesurés), puis s'arrêter : le dossier <travail>/donnees "
            "est celui que --reprendre reprend, son dépôt <travail>/donnees/landing.",
        ),
    ] = False,
    data_dir: OptionDonnees = None,
) -> None:
    """Mesurer chaque étape, le plancher, les pairs, l'incrémental, les pages, le passage à l'échelle."""
    from pipelines.banc.affichage import tableau
    from pipelines.banc.executer import Banc, ecrire

    c = chemins(data_dir)
    travail = work_dir or c.donnees / "bench" / scale.value
    with etape(f"Banc d'essai, échelle {scale.value} (travail dans {escape(str(travail))})") as dire:
        banc = Banc(
            scale.value,
            travail,
            runs=runs,
            accueil=not sans_accueil,
            progression=dire,
            reprise=reprendre,
            landing_reprise=landing,
            sortie=c.sorties / "bench",
            ingestion_seule=ingestion_seule,
        )
        resultats = banc.executer()
        dire(f"résultats : {ecrire(resultats, c.sorties / 'bench')}")
    console.print(tableau(resultats))


if __name__ == "__main__":  # last: every command above registered (`bench` was not, under -m)
    app()
