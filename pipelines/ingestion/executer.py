"""One ingestion run over the landing directory: read, check, validate, pseudonymise, load, report.

Extract by extract (the ones others refer to first: procedures, créances), every new file is read
and parsed; keys already loaded from another file, or sent by an earlier file of the run, are
refused (unicite.py); then all their rows are validated together against the extract's Great
Expectations suite (references are resolved against the keys read in this load and those already
loaded); then each file is loaded with its quarantine and its manifest row, batch after batch, into a
working copy of the warehouse that replaces it once every file is through (copie_de_travail.py:
all or nothing, as one transaction would be, without holding the run's rows in memory).

No file can stop the others: whatever goes wrong with one file (its name, its bytes, its quotes,
an unexpected error while reading or validating it) is that file's refusal, in the report and the
manifest, with its file, line and field where known; messages never quote the file's content.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from pipelines import format_fr
from pipelines.contrat import Extraction, contrat
from pipelines.ingestion.chargement import (
    Lot,
    charger_lot,
    charger_lots,
    deja_charges,
    empreintes_cle,
    enregistrer_refus,
    enregistrer_validation,
    preparer_schema,
    transaction,
    valider_etape,
)
from pipelines.ingestion.controle import (
    ANNEE_MAX,
    ANNEE_MIN,
    MASQUE_PERSONNEL,
    SCHEMA_QUARANTAINE,
    controler,
)
from pipelines.ingestion.copie_de_travail import copie_de_travail
from pipelines.ingestion.lecture import FichierIllisible, lire_fichier, nom_affichable
from pipelines.ingestion.pseudonymisation import CleInvalide, Pseudonymiseur
from pipelines.ingestion.unicite import ClesRefusees, refuser_cles_deja_vues
from pipelines.validation.suites import colonne_date_reference, colonne_reference
from pipelines.validation.verification import RANG, SCHEMA_RESULTATS, Verificateur

MEMOIRE_DUCKDB = "4GB"  # the rest of the machine's 24 GB is for the file being validated
MODE_ENTREPOT = 0o600  # the warehouse holds pseudonymised personal data: its owner only, like the key
LONGUEUR_MAX_MESSAGE = 300  # characters: a message names a file, a line, a field and a reason


@dataclass(frozen=True)
class LigneRapport:
    fichier: str
    extraction: str | None
    statut: str  # chargé | remplacé | déjà chargé | déjà retiré | refusé | déjà refusé | ignoré
    lignes_lues: int = 0
    lignes_chargees: int = 0
    lignes_quarantaine: int = 0
    message: str = ""
    duree_s: float = 0.0
    lignes_vides: int = 0  # blank lines, not rows: lues = chargées + quarantaine without them


@dataclass
class Rapport:
    lignes: list[LigneRapport] = field(default_factory=list)

    @property
    def refus(self) -> list[LigneRapport]:
        return [ligne for ligne in self.lignes if ligne.statut in ("refusé", "déjà refusé", "ignoré")]

    def total(self, champ: str) -> int:
        return sum(getattr(ligne, champ) for ligne in self.lignes)


def sha256(chemin: Path) -> str:
    empreinte = hashlib.sha256()
    with chemin.open("rb") as handle:
        for bloc in iter(lambda: handle.read(1 << 20), b""):
            empreinte.update(bloc)
    return empreinte.hexdigest()


def court(message: str) -> str:
    """A message bounded in length, whatever a file name or a reader put in it."""
    if len(message) <= LONGUEUR_MAX_MESSAGE:
        return message
    return message[: LONGUEUR_MAX_MESSAGE - 1] + "…"


def reconnaitre(nom: str, extractions: dict[str, Extraction]) -> tuple[Extraction, date | None] | None:
    """The extract a file name is for, and the month it covers (None when that month is not one:
    "2026-13", "0000-01", digits other than ASCII)."""
    for ext in extractions.values():
        trouve = ext.motif().match(nom)
        if trouve:
            annee, mois = trouve["periode"].split("-")
            valide = trouve["periode"].isascii() and 1 <= int(mois) <= 12
            valide = valide and ANNEE_MIN <= int(annee) <= ANNEE_MAX
            return ext, date(int(annee), int(mois), 1) if valide else None
    return None


def controle_du_mois(ext: Extraction, valides: pl.DataFrame, periode: date) -> str | None:
    """A file none of whose rows falls in the month its name says (a payments file of October
    sent as July's, say) is loaded, its rows being valid, but flagged in the manifest: the name
    may be wrong. Photographs (keyed per month) carry no month of their own: not checked."""
    if ext.cle_par_periode or valides.is_empty():
        return None
    colonne = next((c for c in ext.colonnes if c.type in ("date", "mois")), None)
    if colonne is None:
        return None
    mois = valides[colonne.nom].drop_nulls().dt.truncate("1mo")
    if mois.is_empty() or (mois == periode).any():
        return None
    return (
        f"aucune ligne du mois {periode:%m/%Y} que dit le nom du fichier (« {colonne.entete} » du "
        f"{mois.min():%m/%Y} au {mois.max():%m/%Y}) : nom de fichier à vérifier ; lignes chargées"
    )


def preparer_lot(
    chemin: Path, ext: Extraction, periode: date, empreinte: str, pseudo: Pseudonymiseur
) -> tuple[Lot, pl.Series]:
    """Read, parse and pseudonymise one file. Also returns the keys it names (rows refused
    included: a payment whose procedure row is in quarantine still names an existing procedure)."""
    debut = time.perf_counter()
    lecture = lire_fichier(chemin, ext)
    controle = controler(lecture.donnees, ext, chemin.name, lecture.incompletes)
    valides = controle.valides.with_columns(
        [
            pl.Series(c.nom, pseudo.pseudonymiser(controle.valides[c.nom].cast(pl.String)))
            for c in ext.colonnes
            if c.personnel
        ]
    )
    lot = Lot(
        extraction=ext,
        fichier=chemin.name,
        sha256=empreinte,
        periode=periode,
        lignes_lues=lecture.donnees.height,
        valides=valides,
        quarantaine=controle.quarantaine,
        duree_s=time.perf_counter() - debut,
        lignes_vides=lecture.vides,
        message=controle_du_mois(ext, valides, periode),
    )
    return lot, lecture.donnees[ext.cle[0]].drop_nulls().str.strip_chars().unique()


FICHIERS_EN_AVANCE = 2  # files read and parsed ahead of the one being validated and loaded


def preparer_en_avance(
    a_lire: list[tuple[int, Path, date, str]],
    ext: Extraction,
    pseudo: Pseudonymiseur,
    executeur: ThreadPoolExecutor,
    avance: int = FICHIERS_EN_AVANCE,
) -> Iterator[tuple[tuple[int, Path, date, str], Future]]:
    """The files in their order, each with the future of its preparer_lot, the next `avance` ones
    being read and parsed meanwhile on the other core (polars and the file reads release the GIL;
    the suite and the inserts of the current batch run on this thread). The order of the run is
    unchanged: results are taken file after file, and a file's error is raised by its
    `.result()`, where the file is refused as before. At most `avance` files are held ahead."""
    en_cours: deque[tuple[tuple[int, Path, date, str], Future]] = deque()
    suivants = iter(a_lire)

    def lancer() -> None:
        element = next(suivants, None)
        if element is not None:
            _, chemin, periode, empreinte = element
            en_cours.append(
                (element, executeur.submit(preparer_lot, chemin, ext, periode, empreinte, pseudo))
            )

    for _ in range(avance):
        lancer()
    while en_cours:
        element, futur = en_cours.popleft()
        lancer()
        yield element, futur


def ordre_de_chargement(extractions: dict[str, Extraction]) -> list[Extraction]:
    """Referenced extracts before the ones that refer to them."""
    cibles = {cible for ext in extractions.values() for _, cible in ext.references}
    return sorted(extractions.values(), key=lambda e: (e.nom not in cibles, list(extractions).index(e.nom)))


def _cles_connues(con: duckdb.DuckDBPyConnection, cible: Extraction, lues: list[pl.Series]) -> pl.Series:
    en_base = pl.Series(
        [r[0] for r in con.execute(f"select distinct {cible.cle[0]} from raw.{cible.nom}").fetchall()],
        dtype=pl.String,
    )
    return pl.concat([en_base, *lues]).unique()


def colonnes_comparees(extractions: dict[str, Extraction]) -> dict[str, set[str]]:
    """Extract -> its columns that another extract's rows are ordered against (ordre_references)."""
    comparees: dict[str, set[str]] = {}
    for ext in extractions.values():
        cibles = dict(ext.references)
        for colonne, colonne_cible, _ in ext.ordre_references:
            comparees.setdefault(cibles[colonne], set()).add(colonne_cible)
    return comparees


def _dates_connues(
    con: duckdb.DuckDBPyConnection, cible: Extraction, colonnes: set[str], lues: list[pl.DataFrame]
) -> pl.DataFrame:
    """Per key of `cible`, the compared columns of its latest photograph: this load's valid rows
    or, failing them, the warehouse's."""
    cle, noms = cible.cle[0], sorted(colonnes)
    derniers = ", ".join(f"arg_max({c}, _periode) as {c}" for c in noms)
    en_base = con.sql(
        f"select {cle}, {derniers}, max(_periode) as _periode from raw.{cible.nom} group by {cle}"
    ).pl()
    schema = {cle: pl.String, **{c: pl.Date for c in noms}, "_periode": pl.Date}
    toutes = pl.concat([en_base.cast(schema), *[f.cast(schema) for f in lues]], how="vertical")
    return toutes.sort("_periode").unique(cle, keep="last").drop("_periode")


LIGNES_PAR_VALIDATION = 1_000_000  # rows per Great Expectations run: bounds its pandas copies


def lignes_par_validation() -> int:
    """Rows per Great Expectations run (ARIPA_LIGNES_PAR_VALIDATION, for tests and small machines)."""
    valeur = os.environ.get("ARIPA_LIGNES_PAR_VALIDATION", "")
    if not valeur:
        return LIGNES_PAR_VALIDATION
    if not valeur.isdigit() or int(valeur) < 1:
        raise ValueError(f"ARIPA_LIGNES_PAR_VALIDATION : entier positif attendu, lu « {valeur[:20]} »")
    return int(valeur)


def tranches(lots: list[Lot], taille: int) -> list[list[tuple[int, pl.DataFrame]]]:
    """The rows of the lots, in order, cut into runs of at most `taille` rows: (lot number, slice)
    pieces; a file larger than `taille` is cut too. Slices share the lots' memory."""
    resultat: list[list[tuple[int, pl.DataFrame]]] = [[]]
    place = taille
    for numero, lot in enumerate(lots):
        debut = 0
        while debut < lot.valides.height:
            if place == 0:
                resultat.append([])
                place = taille
            morceau = lot.valides.slice(debut, place)
            resultat[-1].append((numero, morceau))
            debut += morceau.height
            place -= morceau.height
    return [t for t in resultat if t]


def _resultats_cumules(parties: list[pl.DataFrame]) -> pl.DataFrame:
    """One row per expectation, as if the suite had run on all the rows at once: every expectation
    is row by row (verification.ATTENTES_LIGNE_A_LIGNE), so counts add up and success is all."""
    cles = ["extraction", "attente", "colonne", "regle"]
    return (
        pl.concat(parties)
        .group_by(cles, maintain_order=True)
        .agg(
            pl.col("lignes_validees").sum(),
            pl.col("lignes_en_echec").sum(),
            pl.col("succes").all(),
        )
        .cast(SCHEMA_RESULTATS)
    )


def _quarantaine_de_tranche(
    lignes: pl.DataFrame,
    echecs: pl.DataFrame,
    ext: Extraction,
    lots: list[Lot],
    comparees: dict[str, tuple[str, str, str]],
) -> pl.DataFrame:
    """The quarantine rows (SCHEMA_QUARANTAINE) of one run's failing rows, values as the file wrote them."""
    personnels = {c.nom for c in ext.colonnes if c.personnel}
    fichiers = pl.DataFrame({"_lot": range(len(lots)), "_fichier": [lot.fichier for lot in lots]}).cast(
        {"_lot": pl.Int32}
    )
    valeurs = (
        lignes.join(echecs.select(RANG).unique(), on=RANG, how="semi")
        .join(fichiers, on="_lot", how="left")
        .select(RANG, "_fichier", "_ligne", *[c.nom for c in ext.colonnes], *comparees)
    )

    def texte(colonne: str) -> pl.Expr:
        if colonne in comparees:  # both dates: "Date de valeur 03/05/2020 avant Engagée le 10/05/2020"
            apres, nom_cible, colonne_cible = comparees[colonne]
            cible = contrat()[nom_cible]
            return pl.concat_str(
                pl.lit(f"{ext.colonne(apres).entete} "),
                pl.col(apres).dt.strftime("%d/%m/%Y"),
                pl.lit(f" avant {cible.colonne(colonne_cible).entete} "),
                pl.col(colonne).dt.strftime("%d/%m/%Y"),
            )
        if colonne in personnels:
            return pl.lit(MASQUE_PERSONNEL)
        if lignes.schema[colonne] == pl.Date:  # shown as the extract writes it
            return pl.col(colonne).dt.strftime("%d/%m/%Y")
        if lignes.schema[colonne].is_decimal():
            return pl.col(colonne).cast(pl.String).str.replace(".", ",", literal=True)
        return pl.col(colonne).cast(pl.String)

    return (
        echecs.join(valeurs, on=RANG, how="left")
        .with_columns(
            pl.coalesce(
                [pl.when(pl.col("colonne") == nom).then(texte(nom)) for nom in echecs["colonne"].unique()]
            ).alias("valeur")
        )
        .select(
            pl.col("_fichier").alias("fichier"),
            pl.col("_ligne").alias("ligne"),
            "champ",
            "regle",
            "valeur",
            pl.lit(None, dtype=pl.String).alias("detail"),
        )
        .cast(SCHEMA_QUARANTAINE)
    )


def valider_lots(
    lots: list[Lot],
    ext: Extraction,
    connues: dict[str, pl.Series],
    verificateur: Verificateur,
    dates: dict[str, pl.DataFrame] | None = None,
    progression: Callable[[str], None] = lambda _: None,
    taille: int | None = None,
) -> tuple[list[Lot], pl.DataFrame]:
    """Run the extract's suite on the rows of all its new files, `taille` rows at a time (the
    pandas frames of Great Expectations are what made the national load peak at 18 GB); failing
    rows join the quarantine of their file (one quarantine row per failed rule), the others stay
    to be loaded. Exact whatever the cut: the references and dates each row is checked against are
    the complete sets (`connues`, `dates`: the warehouse's and every file's of this load), keys
    across files are settled before (unicite.py), and every expectation is row by row."""
    taille = taille or lignes_par_validation()
    total = sum(lot.valides.height for lot in lots)
    cibles = dict(ext.references)
    comparees: dict[str, tuple[str, str, str]] = {}
    for colonne, colonne_cible, apres in ext.ordre_references:
        comparees[colonne_date_reference(colonne, colonne_cible)] = (apres, cibles[colonne], colonne_cible)
    references = [
        pl.col(colonne).is_in(connues[cible].implode()).alias(colonne_reference(colonne))
        for colonne, cible in ext.references
    ]
    quarantaines: list[pl.DataFrame] = []
    parties: list[pl.DataFrame] = []
    faites, debut, decalage = 0, time.perf_counter(), 0
    decoupe = tranches(lots, taille)
    if not decoupe:  # every row already refused: nothing for the suite (as when it ran on 0 rows)
        return lots, pl.DataFrame(schema=SCHEMA_RESULTATS)
    for tranche in decoupe:
        # Files are numbered (`_lot`) rather than named on every row: a name repeated on 20 million
        # rows would cost gigabytes at national scale.
        morceaux = [
            morceau.with_columns(
                pl.lit(numero, dtype=pl.Int32).alias("_lot"),
                pl.lit(lots[numero].periode, dtype=pl.Date).alias("_periode"),
            )
            for numero, morceau in tranche
        ]
        lignes = (
            pl.concat(morceaux, how="vertical_relaxed")
            .with_row_index(RANG, offset=decalage)
            .with_columns(references)
            .with_columns(pl.col(RANG).cast(pl.Int64))
        )
        decalage += lignes.height
        # The referenced row's date each row is ordered against (a payment's procedure engagement).
        for colonne, colonne_cible, _ in ext.ordre_references:
            cible = (dates or {})[cibles[colonne]]
            lignes = lignes.join(
                cible.select(
                    pl.col(cible.columns[0]).alias(colonne),
                    pl.col(colonne_cible).alias(colonne_date_reference(colonne, colonne_cible)),
                ),
                on=colonne,
                how="left",
            )
        verification = verificateur.verifier(ext, lignes)
        parties.append(verification.resultats)
        if not verification.echecs.is_empty():
            quarantaines.append(_quarantaine_de_tranche(lignes, verification.echecs, ext, lots, comparees))
        del lignes
        faites = decalage
        if total > taille:  # a long validation says where it is
            ecoule = time.perf_counter() - debut
            debit = faites / ecoule if ecoule > 0 else 0.0
            reste = (total - faites) / debit if debit > 0 else 0.0
            progression(
                f"{ext.nom} : {format_fr.nombre(faites)} / {format_fr.nombre(total)} lignes validées "
                f"({format_fr.nombre(round(debit))} lignes/s, fin dans ~{format_fr.duree(reste)})"
            )
    resultats = _resultats_cumules(parties)
    if not quarantaines:
        return lots, resultats
    quarantaine = pl.concat(quarantaines)
    resultat = []
    for lot in lots:
        du_lot = quarantaine.filter(pl.col("fichier") == lot.fichier)
        if du_lot.is_empty():
            resultat.append(lot)
            continue
        refusees = du_lot["ligne"].unique().implode()
        resultat.append(
            replace(
                lot,
                valides=lot.valides.filter(~pl.col("_ligne").is_in(refusees)),
                quarantaine=pl.concat([lot.quarantaine, du_lot]).sort("ligne", "champ"),
            )
        )
    return resultat, resultats


def _a_charger(
    depot: Path, extractions: dict[str, Extraction], rapport: Rapport, progression: Callable[[str], None]
) -> tuple[dict[str, list[tuple[int, Path, date | None]]], int]:
    """The landing directory's files by extract, in name order (the documented order: the first
    file holding a key wins). Symbolic links, names with control characters and unknown names
    are reported and not read."""
    chemins = sorted(depot.iterdir()) if depot.exists() else []
    chemins = [p for p in chemins if not p.name.endswith(".partiel") and (p.is_symlink() or p.is_file())]
    a_charger: dict[str, list[tuple[int, Path, date | None]]] = {}
    for numero, chemin in enumerate(chemins, start=1):
        affiche = nom_affichable(chemin.name)
        if chemin.is_symlink():
            # Never followed: a link could point anywhere on the machine, outside the landing zone.
            message = f"{affiche} : lien symbolique, non suivi : déposer le fichier lui-même"
            rapport.lignes.append(LigneRapport(affiche, None, "refusé", message=court(message)))
            progression(f"refusé : {court(message)}")
        elif affiche != chemin.name:
            message = (
                f"{affiche} : nom de fichier avec un caractère de contrôle (saut de ligne, tabulation…) : "
                "renommer le fichier"
            )
            rapport.lignes.append(LigneRapport(affiche, None, "refusé", message=court(message)))
            progression(f"refusé : {court(message)}")
        elif (reconnu := reconnaitre(chemin.name, extractions)) is None:
            motifs = ", ".join(e.fichier for e in extractions.values())
            rapport.lignes.append(
                LigneRapport(
                    affiche, None, "ignoré", message=f"nom de fichier non reconnu (attendu : {motifs})"
                )
            )
        else:
            a_charger.setdefault(reconnu[0].nom, []).append((numero, chemin, reconnu[1]))
    return a_charger, len(chemins)


def _valider_et_dedoublonner(
    con: duckdb.DuckDBPyConnection,
    lots: list[Lot],
    ext: Extraction,
    connues: dict[str, pl.Series],
    verificateur: Verificateur,
    dates: dict[str, pl.DataFrame],
    progression: Callable[[str], None] = lambda _: None,
    du_chargement: list[str] | None = None,
    charges: list[str] | None = None,
    refusees: ClesRefusees | None = None,
) -> tuple[list[Lot], pl.DataFrame]:
    """Keys first (unicite.py), then the suite. The keys of the rows the suite refuses are kept in
    `refusees`, for the next batches: a key in quarantine still belongs to the file that sent it."""
    dedoublonnes = refuser_cles_deja_vues(con, ext, lots, du_chargement, charges, refusees)
    valides, resultats = valider_lots(dedoublonnes, ext, connues, verificateur, dates, progression)
    if refusees is not None:
        for avant, apres in zip(dedoublonnes, valides, strict=True):
            if apres.valides.height < avant.valides.height:
                refusees.ajouter(
                    apres, avant.valides.join(apres.valides.select("_ligne"), on="_ligne", how="anti")
                )
    return valides, resultats


@dataclass
class _ChargementExtraction:
    """The new files of one extract, batch after batch: keys, suite, load, report. What the whole
    run needs to stay exact across batches is here: the run's files of the extract, those loaded,
    the keys refused, and the suite's results, recorded once for the extract."""

    con: duckdb.DuckDBPyConnection
    ext: Extraction
    pseudo: Pseudonymiseur
    rapport: Rapport
    verificateur: Verificateur
    connues: dict[str, pl.Series]
    dates: dict[str, pl.DataFrame]
    du_chargement: list[str]
    refuser: Callable[[Path, Extraction, str, date | None, str], None]
    progression: Callable[[str], None]
    pas: int
    nombre: int
    charges: list[str] = field(default_factory=list)
    parties: list[pl.DataFrame] = field(default_factory=list)
    valides_ensemble: list[str] = field(default_factory=list)  # files whose suite ran in a batch
    refusees: ClesRefusees | None = None

    def __post_init__(self) -> None:
        self.refusees = ClesRefusees(self.con, self.ext)

    def _valider(self, lots: list[Lot], progression: Callable[[str], None]) -> tuple[list[Lot], pl.DataFrame]:
        return _valider_et_dedoublonner(
            self.con,
            lots,
            self.ext,
            self.connues,
            self.verificateur,
            self.dates,
            progression,
            self.du_chargement,
            self.charges,
            self.refusees,
        )

    def traiter(self, tampon: list[tuple[int, Lot]]) -> None:
        try:
            valides, resultats = self._valider([lot for _, lot in tampon], self.progression)
            self.parties.append(resultats)
            self.valides_ensemble.extend(lot.fichier for _, lot in tampon)
            a_inserer: list[tuple[int, Lot, bool | None]] = [
                (numero, lot, None) for (numero, _), lot in zip(tampon, valides, strict=True)
            ]
        except Exception:
            # One file broke the batch's validation: each file alone, loaded one after the other (a
            # file loaded before counts as loaded for the next one's keys), so that only the file at
            # fault is refused.
            a_inserer = []
            for numero, lot in tampon:
                try:
                    (seul,), resultats = self._valider([lot], lambda _: None)
                except Exception as err:
                    self.refuser(
                        Path(lot.fichier),
                        self.ext,
                        lot.sha256,
                        lot.periode,
                        f"{lot.fichier} : erreur inattendue à la validation "
                        f"({err.__class__.__name__}) : fichier refusé, à signaler",
                    )
                    continue
                enregistrer_validation(self.con, resultats, [lot.fichier])
                a_inserer.append((numero, seul, charger_lot(self.con, seul, self.pseudo.empreinte)))
                self.charges.append(seul.fichier)
        nouveaux = [lot for _, lot, deja in a_inserer if deja is None]
        remplaces = iter(charger_lots(self.con, nouveaux, self.pseudo.empreinte))
        self.charges.extend(lot.fichier for lot in nouveaux)
        for numero, lot, deja in a_inserer:
            self._rapporter(numero, lot, next(remplaces) if deja is None else deja)

    def _rapporter(self, numero: int, lot: Lot, remplace: bool) -> None:
        self.rapport.lignes.append(
            LigneRapport(
                lot.fichier,
                self.ext.nom,
                "remplacé" if remplace else "chargé",
                lot.lignes_lues,
                lot.valides.height,
                lot.lignes_lues - lot.valides.height,
                message=court(lot.message or ""),
                duree_s=lot.duree_s,
                lignes_vides=lot.lignes_vides,
            )
        )
        if numero % self.pas == 0 or numero == self.nombre or lot.quarantaine.height or lot.message:
            self.progression(
                f"[{numero}/{self.nombre}] {lot.fichier} : {lot.lignes_lues} lues, "
                f"{lot.valides.height} chargées, "
                f"{lot.lignes_lues - lot.valides.height} en quarantaine"
                + (f", {lot.lignes_vides} ligne(s) vide(s) ignorée(s)" if lot.lignes_vides else "")
                + (f" ; {court(lot.message)}" if lot.message else "")
            )

    def terminer(self) -> None:
        """The suite's result per expectation over every batch, as if it had run once (its
        expectations are row by row: counts add up)."""
        if self.parties:
            enregistrer_validation(self.con, _resultats_cumules(self.parties), self.valides_ensemble)


def ingerer(
    depot: Path,
    entrepot: Path,
    pseudo: Pseudonymiseur,
    progression: Callable[[str], None] = lambda _: None,
) -> Rapport:
    """Load every recognised file of `depot` not already loaded. All files commit together."""
    extractions = contrat()
    rapport = Rapport()
    entrepot.parent.mkdir(parents=True, exist_ok=True)
    # Bounded memory: DuckDB spills what does not fit to its temporary directory; the run's rows
    # are committed batch by batch on the working copy (copie_de_travail.py), not held.
    temporaire = entrepot.parent / "tmp"
    temporaire.mkdir(parents=True, exist_ok=True)
    config = {"memory_limit": MEMOIRE_DUCKDB, "temp_directory": str(temporaire)}
    with duckdb.connect(str(entrepot), config=config) as original:
        os.chmod(entrepot, MODE_ENTREPOT)
        preparer_schema(original, extractions)
        connues = empreintes_cle(original)
        if connues and connues != {pseudo.empreinte}:
            raise CleInvalide(
                "la clé de pseudonymisation diffère de celle avec laquelle l'entrepôt a été construit : "
                "les mêmes personnes n'auraient plus les mêmes clés. Restaurer la clé d'origine "
                "(ARIPA_CLE_PSEUDONYMISATION ou data/cles/pseudonymisation.key) ou reconstruire l'entrepôt."
            )
        with copie_de_travail(original, entrepot, config, MODE_ENTREPOT) as con:
            _ingerer_dans(con, depot, extractions, rapport, pseudo, progression)
    return rapport


def _ingerer_dans(
    con: duckdb.DuckDBPyConnection,
    depot: Path,
    extractions: dict[str, Extraction],
    rapport: Rapport,
    pseudo: Pseudonymiseur,
    progression: Callable[[str], None],
) -> None:
    # No progress bar of DuckDB's own (a local setting: refused in the connection's config): a
    # batch's insert, one query since issue 18, can pass its 2 s threshold; the run prints its own.
    con.execute("set enable_progress_bar = false")
    a_charger, nombre = _a_charger(depot, extractions, rapport, progression)
    pas = max(1, nombre // 20)  # about twenty progress lines, plus every file with a problem
    verificateur = Verificateur()
    cles_lues: dict[str, list[pl.Series]] = {}
    connues_par_cible: dict[str, pl.Series] = {}
    comparees = colonnes_comparees(extractions)
    dates_lues: dict[str, list[pl.DataFrame]] = {}
    dates_par_cible: dict[str, pl.DataFrame] = {}
    referencees = {cible for e in extractions.values() for _, cible in e.references}

    def refuser(chemin: Path, ext: Extraction, empreinte: str, periode: date | None, message: str) -> None:
        message = court(message)
        enregistrer_refus(con, chemin.name, empreinte, ext.nom, periode, message, pseudo.empreinte)
        rapport.lignes.append(LigneRapport(chemin.name, ext.nom, "refusé", message=message))
        progression(f"refusé : {message}")

    # One reader thread for the run (preparer_en_avance); it never touches the connection.
    with transaction(con), ThreadPoolExecutor(max_workers=1, thread_name_prefix="lecture") as executeur:
        for ext in ordre_de_chargement(extractions):
            a_lire: list[tuple[int, Path, date, str]] = []
            empreintes: list[tuple[int, Path, date | None, str | OSError]] = []
            for numero, chemin, periode in a_charger.get(ext.nom, []):
                try:
                    empreintes.append((numero, chemin, periode, sha256(chemin)))
                except OSError as err:
                    empreintes.append((numero, chemin, periode, err))
            # What the manifest already says of these files, asked once for the extract.
            vus = deja_charges(con, [(c.name, e) for _, c, _, e in empreintes if not isinstance(e, OSError)])
            for numero, chemin, periode, empreinte in empreintes:
                if isinstance(empreinte, OSError):
                    message = f"{chemin.name} : fichier illisible ({empreinte.__class__.__name__})"
                    rapport.lignes.append(LigneRapport(chemin.name, ext.nom, "refusé", message=message))
                    continue
                statut = vus.get(chemin.name)
                if statut:
                    rapport.lignes.append(LigneRapport(chemin.name, ext.nom, statut))
                    continue
                if periode is None:
                    refuser(
                        chemin,
                        ext,
                        empreinte,
                        None,
                        f"{chemin.name} : le mois du nom de fichier n'existe pas (attendu AAAA-MM, "
                        f"mois 01 à 12, année {ANNEE_MIN} à {ANNEE_MAX}) : renommer le fichier",
                    )
                    continue
                a_lire.append((numero, chemin, periode, empreinte))
            if not a_lire:
                continue
            verificateur.prechauffer()  # Great Expectations' import meanwhile, on the other core
            for _, cible in ext.references:
                if cible not in connues_par_cible:  # once per run: the referenced extract loaded first
                    connues_par_cible[cible] = _cles_connues(
                        con, extractions[cible], cles_lues.get(cible, [])
                    )
            cibles = dict(ext.references)
            for colonne, _, _ in ext.ordre_references:
                cible = cibles[colonne]
                if cible not in dates_par_cible:
                    dates_par_cible[cible] = _dates_connues(
                        con, extractions[cible], comparees[cible], dates_lues.get(cible, [])
                    )
            extraction = _ChargementExtraction(
                con=con,
                ext=ext,
                pseudo=pseudo,
                rapport=rapport,
                verificateur=verificateur,
                connues={cible: connues_par_cible[cible] for _, cible in ext.references},
                dates=dates_par_cible,
                du_chargement=[chemin.name for _, chemin, _, _ in a_lire],
                refuser=refuser,
                progression=progression,
                pas=pas,
                nombre=nombre,
            )
            # Batches of about `taille` rows: each is checked, validated and loaded before the
            # next files are read, so only one batch's parsed rows are ever held (the national
            # plan extract, 21.6 M rows, held whole made the load peak near 10 GB).
            taille = lignes_par_validation()
            octets = {chemin.name: chemin.stat().st_size for _, chemin, _, _ in a_lire}
            total, faits, lignes, debut = sum(octets.values()), 0, 0, time.perf_counter()
            tampon: list[tuple[int, Lot]] = []
            prepares = preparer_en_avance(a_lire, ext, pseudo, executeur)
            for rang, ((numero, chemin, periode, empreinte), futur) in enumerate(prepares, start=1):
                faits += octets[chemin.name]
                try:
                    lot, cles = futur.result()
                except FichierIllisible as err:
                    refuser(chemin, ext, empreinte, periode, str(err))
                    lot = None
                except Exception as err:  # whatever else: this file's refusal, never the run's
                    refuser(
                        chemin,
                        ext,
                        empreinte,
                        periode,
                        f"{chemin.name} : erreur inattendue à la lecture ({err.__class__.__name__}) : "
                        "fichier refusé, à signaler",
                    )
                    lot = None
                if lot is not None:
                    if ext.nom in referencees:
                        cles_lues.setdefault(ext.nom, []).append(cles)
                    if ext.nom in comparees:
                        dates_lues.setdefault(ext.nom, []).append(
                            lot.valides.select(ext.cle[0], *sorted(comparees[ext.nom])).with_columns(
                                pl.lit(lot.periode, dtype=pl.Date).alias("_periode")
                            )
                        )
                    tampon.append((numero, lot))
                    lignes += lot.lignes_lues
                dernier = rang == len(a_lire)
                if tampon and (dernier or sum(lot.valides.height for _, lot in tampon) >= taille):
                    extraction.traiter(tampon)
                    tampon = []
                    valider_etape(con)  # the batch's rows to disk, not held until the end
                    if not dernier:  # a long extract says where it is
                        ecoule = time.perf_counter() - debut
                        reste = (total - faits) * ecoule / faits if faits else 0.0
                        progression(
                            f"{ext.nom} : {format_fr.nombre(lignes)} lignes lues, validées et chargées "
                            f"({format_fr.nombre(round(lignes / ecoule) if ecoule > 0 else 0)} lignes/s, "
                            f"{format_fr.nombre(100 * faits / total)} % des octets, "
                            f"fin dans ~{format_fr.duree(reste)})"
                        )
            extraction.terminer()
            valider_etape(con)
            progression(
                f"{ext.nom} : {format_fr.nombre(lignes)} lignes validées par la suite "
                f"expectations/{ext.nom}.json en {format_fr.duree(time.perf_counter() - debut)}"
            )
        verificateur.attendre()
