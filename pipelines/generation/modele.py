"""The behaviour model behind the demo extracts (vectorised numpy, no per-row Python loops).

The network follows the national paths of trajectoires.py (published figures, assumptions between
them). What varies by Caf, procedure type and débiteur is an assumption of this model, chosen so
the indicators mean something:
- Caf caseloads follow their population, with a structural factor per Caf;
- procedures of residents of a participante are managed by its pivot, part of a jumelage
  cédante's by the prenante, and 2 % by the MSA;
- payment propensity depends on the procedure type and the débiteur's benefit status, on the
  month (seasonality), on the Caf, and on the year through one factor calibrated so the national
  TC flow rate follows the published path;
- GIPA: in the 20 experimental départements (reference seed), from 2014-10, the propensity is
  raised by a département-specific amount; from the generalisation (2016-04) every département
  gets the national average. The expected effect this implies is written to the truth file;
Planted situations, each one the alert list (marts.alertes_mensuelles) is there to catch, drawn from
no random number so that every other row of the extracts is the same with or without them:
- a drift (DERIVE_PLANTEE): one Caf pivot pays less often over the last months exported (the
  control chart, `derive_caf`);
- a re-sent batch (VERSEMENTS_RENVOYES): one Caf pivot's payments of the last exported month are in
  the payments file twice, its batch sent again after a cut transfer. Ingestion loads the first copy
  and quarantines the second (cle_en_double): no figure moves, the file's quarantined share jumps
  (`quarantaine`). Only in an export of at least 13 months (a year of files before it, the past
  the rule compares with), so that the short slices the tests load carry no fault; `--defects`
  lists its copies in its manifest (lot_renvoye);
- créances close to prescription (PRESCRIPTION_PLANTEE, in creances.py): a few overpayments one Caf
  implanted 55 to 58 months before the photograph on débiteurs it lost track of, never recovered
  since: their 5-year delay runs out 2 to 5 months after the photograph (`prescription`).
Seizures after their third DEFAIL (`saisie_4e_defail`) need no plant: saisies.py draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from pipelines.generation import trajectoires as tr

DUREE_MOYENNE_MOIS = 30.0  # mean life of a recovery procedure
DUREE_MOYENNE_IF_MOIS = 60.0  # financial intermediation lasts longer
HISTORIQUE_MOIS = 36  # months simulated before the first exported month (the stock at start)
PART_MSA = 0.02

TYPES_PROCEDURE = np.array(["RA", "PDE", "SAISIE", "FORCE", "IF"])
PART_TYPES_RECOUVREMENT = np.array([0.48, 0.27, 0.15, 0.10])  # IF is its own flow
PROPENSION_TYPE = np.array([0.55, 0.85, 0.80, 0.45, 0.92])
TYPE_VERSEMENT = np.array(["VIR", "PDE", "RP", "CHQ", "IF"])
PROVENANCE = np.array(["DEBITEUR", "TIERS", "CAF", "DEBITEUR", "DEBITEUR"])
STATUTS_DEBITEUR = np.array(["SAISISSABLE", "INSAISISSABLE", "NON_ALLOCATAIRE"])
PART_STATUTS = np.array([0.35, 0.25, 0.40])
EFFET_STATUT = np.array([1.10, 0.75, 1.00])  # an RSA-only débiteur pays less often
MOTIFS_CLOTURE = np.array(["SOLDE", "REPRISE", "INSOLV", "AUTRE"])
PART_MOTIFS = np.array([0.40, 0.30, 0.18, 0.12])
SAISON = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.93, 0.90, 1.0, 1.0, 1.0, 0.92])
PART_TC_SI_PAIEMENT = 0.85 + 0.15 * 0.6  # E[share of the TC paid | a payment]: 85 % full, else 30-90 %
PART_ARRIERES_SI_PAIEMENT = 0.7  # a payment covers the month's arrears instalment 7 times in 10
DEBUT_GIPA, FIN_GIPA = tr.index_mois("2014-10"), tr.index_mois("2016-03")
# Planted situation for the alert list (issue 20): the Caf pivot du Rhône (691) pays 35 % less
# often over the last 3 exported months than its own level, its case mix unchanged: the control
# chart of carte_controle_cafs_mensuelle must flag it (tests/test_perspectives.py checks it).
DERIVE_PLANTEE = ("691", 3, 0.65)
# Planted re-sent batch (issue 20, the quarantine alert): every payment of the Caf pivot de
# Seine-Maritime (761, about 5 % of the network's payments) in the last exported month is written
# a second time at the end of that month's file, as when its batch is sent again after a cut
# transfer; planted only when at least 13 months are exported (a year of files before it).
VERSEMENTS_RENVOYES = ("761", 13)
# Planted créances close to prescription (issue 20, the prescription alert): the first 6
# overpayments (in créance order) the Caf de la Gironde (331) implanted in the 4 months from 58
# months before the last exported month, on débiteurs it lost track of (not insolvent, no
# write-off asked): never recovered, their prescription date (last act, here the implantation,
# + 5 years) falls 2 to 5 months after the photograph. Fewer if the Caf implanted fewer (none in
# a slice whose simulated history starts later).
PRESCRIPTION_PLANTEE = ("331", 58, 6)


@dataclass(frozen=True)
class Organisme:
    code_caf: str
    code_departement: str
    population: int
    code_caf_pivot: str


@dataclass(frozen=True)
class Parametres:
    graine: int
    debut: int  # first exported month, as year * 12 + month - 1
    fin: int  # last exported month
    echelle: float  # share of the national volume (1.0 = national)
    organismes: tuple[Organisme, ...]
    jumelages: dict[str, tuple[str, float]]  # cédante -> (prenante, share)
    gipa: dict[str, float]  # experimental département -> propensity uplift (planted effect)
    bareme: tuple[tuple[int, float], ...]  # (month index from, ASF amount one parent missing)
    bmaf: tuple[tuple[int, float], ...] = ()  # (month index from, BMAF)

    @property
    def fin_extraction(self) -> np.datetime64:
        """Last day of the last exported month: the date the photographs are taken."""
        return jours(np.array([self.fin + 1]), np.array([1]))[0] - np.timedelta64(1, "D")


def jours(mois: np.ndarray, jour: np.ndarray) -> np.ndarray:
    """numpy datetime64[D] for day `jour` of month index `mois` (year * 12 + month - 1)."""
    return (mois - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]") + (jour - 1).astype(
        "timedelta64[D]"
    )


def mois_de(dates: np.ndarray) -> np.ndarray:
    return dates.astype("datetime64[M]").astype(np.int64) + 1970 * 12


def identifiant_enfant(parent: str, prefixe: str, largeur: int) -> pl.Expr:
    """Id of a row under its parent: the parent's number with another prefix, then its rank
    (the frame sorted by parent first): P000000123 -> E000000123-02."""
    return pl.concat_str(
        pl.lit(prefixe),
        pl.col(parent).str.slice(1),
        pl.lit("-"),
        (pl.int_range(pl.len()).over(parent) + 1).cast(pl.String).str.zfill(largeur),
    )


def mois_index_de(colonne: str) -> pl.Expr:
    """Month index (year * 12 + month - 1) of a date column."""
    return pl.col(colonne).dt.year().cast(pl.Int64) * 12 + pl.col(colonne).dt.month().cast(pl.Int64) - 1


def effets_gipa(rng: np.random.Generator, departements: list[str]) -> dict[str, float]:
    """Planted, heterogeneous uplift of the payment propensity in each experimental département."""
    return {d: float(np.clip(rng.normal(0.10, 0.04), 0.02, 0.20)) for d in departements}


def arrivees(
    p: Parametres, rng: np.random.Generator, mois: np.ndarray, par_mois: np.ndarray, poids: np.ndarray
):
    """Poisson arrivals per (Caf de résidence, month): returns the Caf index and month of each."""
    attendus = np.outer(poids, par_mois) * p.echelle
    nombres = rng.poisson(attendus)
    caf = np.repeat(np.arange(poids.size), nombres.sum(axis=1))
    mois_arrivee = (
        np.concatenate([np.repeat(mois, ligne) for ligne in nombres]) if nombres.size else np.array([])
    )
    return caf, mois_arrivee.astype(np.int64)


def simuler_procedures(p: Parametres, rng: np.random.Generator) -> pl.DataFrame:
    """One row per procedure engaged up to the last month, with its state at that month's end."""
    origine = p.debut - HISTORIQUE_MOIS
    mois = np.arange(origine, p.fin + 1)
    population = np.array([o.population for o in p.organismes], dtype=float)
    structure = rng.lognormal(0.0, 0.15, size=population.size)  # caseload structure of each Caf
    poids = population * structure / (population * structure).sum()

    # Recovery procedures: entries keep the stock on the published path (S' = E - S / D), plus a
    # starting stock spread over the months before the origin (memoryless durations).
    stock = tr.interpoler(tr.PROCEDURES_ACTIVES, np.append(mois, mois[-1] + 1))
    entrees = np.maximum(np.diff(stock) + stock[:-1] / DUREE_MOYENNE_MOIS, 0.0)
    caf_r, mois_r = arrivees(p, rng, mois, entrees, poids)
    depart = rng.poisson(poids * stock[0] * p.echelle)
    caf_0 = np.repeat(np.arange(poids.size), depart)
    mois_0 = origine - rng.integers(1, 2 * int(DUREE_MOYENNE_MOIS), size=caf_0.size)
    type_r = rng.choice(4, size=caf_r.size + caf_0.size, p=PART_TYPES_RECOUVREMENT)

    # Financial intermediation, from October 2020.
    demandes = tr.interpoler(tr.INTERMEDIATION_DEMANDES_ANNUELLES, mois) / 12
    demandes[mois < tr.index_mois("2020-10")] = 0.0
    caf_i, mois_i = arrivees(p, rng, mois, demandes, poids)

    caf = np.concatenate([caf_r, caf_0, caf_i])
    m_engagement = np.concatenate([mois_r, mois_0, mois_i])
    type_idx = np.concatenate([type_r, np.full(caf_i.size, 4)])
    n = caf.size

    statut = rng.choice(3, size=n, p=PART_STATUTS)
    statut[type_idx == 2] = 0  # a seizure on benefits needs seizable benefits (seed 002)
    engagement = jours(m_engagement, rng.integers(1, 29, size=n))
    duree = np.where(type_idx == 4, DUREE_MOYENNE_IF_MOIS, DUREE_MOYENNE_MOIS) * 30.4
    cloture = engagement + np.maximum(np.ceil(rng.exponential(duree)), 20).astype("timedelta64[D]")
    fin_extraction = p.fin_extraction
    ouverte = cloture > fin_extraction
    recente = engagement > fin_extraction - np.timedelta64(60, "D")
    simulation = ouverte & recente & (rng.random(n) < 0.15)
    definitif = ~recente | (rng.random(n) < 0.3)
    stade = np.where(~ouverte, "CLO", np.where(simulation, "SIM", np.where(definitif, "DEF", "ENG")))
    vie = (np.minimum(cloture, fin_extraction) - engagement).astype(np.int64)
    passage = np.where(
        (stade == "DEF") | ((stade == "CLO") & (vie > 60)),
        engagement + rng.integers(20, 60, size=n).astype("timedelta64[D]"),
        np.datetime64("NaT"),
    ).astype("datetime64[D]")
    # Seizures on benefits also end by the seed 002 rules: the 4th DEFAIL, a suspension of benefits
    # over 3 months (only possible on a seizure that lived that long), PRP below the pension due.
    motif = rng.choice(MOTIFS_CLOTURE, size=n, p=PART_MOTIFS)
    saisie, tirage = type_idx == 2, rng.random(n)
    vie_totale = (cloture - engagement).astype(np.int64)
    motif = np.where(saisie & (tirage < 0.25), "DEFAIL", motif)
    motif = np.where(saisie & (tirage >= 0.25) & (tirage < 0.35) & (vie_totale > 120), "SUSP", motif)
    motif = np.where(saisie & (tirage >= 0.35) & (tirage < 0.43), "PRP", motif)

    enfants = rng.choice([1, 2, 3], size=n, p=[0.55, 0.32, 0.13])
    tc = np.round(enfants * rng.lognormal(np.log(165.0), 0.35, size=n), 2)
    mois_arrieres = np.where(type_idx == 4, 0, np.minimum(rng.geometric(1 / 8, size=n), 48))
    asfr_gere = (type_idx != 4) & (rng.random(n) < 0.55)

    codes = np.array([o.code_caf for o in p.organismes])
    departements = np.array([o.code_departement for o in p.organismes])
    pivot = np.array([o.code_caf_pivot for o in p.organismes])
    residence = codes[caf]
    gestionnaire = pivot[caf]
    for cedante, (prenante, part) in p.jumelages.items():
        gestionnaire[(gestionnaire == cedante) & (rng.random(n) < part)] = prenante
    gestionnaire[(type_idx != 4) & (rng.random(n) < PART_MSA)] = "MSA"

    ordre = np.lexsort((caf, engagement))  # procedure numbers grow with the engagement date
    numero = np.empty(n, dtype=np.int64)
    numero[ordre] = np.arange(n)
    personnes = _personnes(rng, n)
    return pl.DataFrame(
        {
            "procedure_id": np.char.add("P", np.char.zfill(numero.astype(str), 9)),
            **personnes,
            "code_caf_gestionnaire": gestionnaire,
            "code_caf_residence": residence,
            "code_procedure": TYPES_PROCEDURE[type_idx],
            "stade": stade,
            "date_engagement": engagement,
            "date_passage_definitif": passage,
            "date_cloture": np.where(ouverte, np.datetime64("NaT"), cloture).astype("datetime64[D]"),
            "motif_cloture": pl.Series(motif, dtype=pl.String).scatter(np.flatnonzero(ouverte), None),
            "statut_debiteur": STATUTS_DEBITEUR[statut],
            "tc_gere": np.full(n, "O"),
            "asfr_gere": np.where(asfr_gere, "O", "N"),
            "pa_gere": np.where(mois_arrieres > 0, "O", "N"),
            "nombre_enfants": enfants,
            "montant_mensuel_tc": tc,
            "mois_arrieres_engagement": mois_arrieres,
            "montant_arrieres_engagement": np.round(mois_arrieres * tc, 2),
            "_type_idx": type_idx,
            "_statut_idx": statut,
            "_departement": departements[caf],
            "_propension": PROPENSION_TYPE[type_idx] * EFFET_STATUT[statut] * rng.beta(6, 2, size=n) / 0.75,
        }
    ).sort("procedure_id")


NOMS = np.array(
    [
        "MARTIN",
        "BERNARD",
        "THOMAS",
        "PETIT",
        "ROBERT",
        "RICHARD",
        "DURAND",
        "DUBOIS",
        "MOREAU",
        "LAURENT",
        "SIMON",
        "MICHEL",
        "LEFEBVRE",
        "LEROY",
        "ROUX",
        "DAVID",
        "BERTRAND",
        "MOREL",
        "FOURNIER",
        "GIRARD",
        "BONNET",
        "DUPONT",
        "LAMBERT",
        "FONTAINE",
        "ROUSSEAU",
        "VINCENT",
        "MULLER",
        "LEFEVRE",
        "FAURE",
        "ANDRE",
        "MERCIER",
        "BLANC",
        "GUERIN",
        "BOYER",
        "GARNIER",
        "CHEVALIER",
        "FRANCOIS",
        "LEGRAND",
        "GAUTHIER",
        "GARCIA",
        "PERRIN",
        "ROBIN",
        "CLEMENT",
        "MORIN",
        "NICOLAS",
        "HENRY",
        "ROUSSEL",
        "MATHIEU",
        "GAUTIER",
        "MASSON",
        "MARCHAND",
        "DUVAL",
        "DENIS",
        "DUMONT",
        "MARIE",
        "LEMAIRE",
        "NOEL",
        "MEYER",
        "DUFOUR",
        "MEUNIER",
        "BRUN",
        "BLANCHARD",
        "GIRAUD",
        "JOLY",
        "RIVIERE",
        "LUCAS",
        "BRUNET",
        "GAILLARD",
        "BARBIER",
        "ARNAUD",
        "MARTINEZ",
        "GERARD",
        "ROCHE",
        "RENARD",
        "SCHMITT",
        "ROY",
        "LEROUX",
        "COLIN",
        "VIDAL",
        "CARON",
        "PICARD",
        "ROGER",
        "FABRE",
        "AUBERT",
        "LEMOINE",
        "RENAUD",
        "DUMAS",
        "LACROIX",
        "OLIVIER",
        "PHILIPPE",
        "BOURGEOIS",
        "PIERRE",
        "BENOIT",
        "REY",
        "LECLERC",
        "PAYET",
    ]
)
PRENOMS_F = np.array(
    [
        "MARIE",
        "NATHALIE",
        "ISABELLE",
        "SYLVIE",
        "CATHERINE",
        "SANDRINE",
        "VALERIE",
        "CHRISTINE",
        "STEPHANIE",
        "CELINE",
        "AURELIE",
        "JULIE",
        "EMILIE",
        "CAROLINE",
        "LAURA",
        "SARAH",
        "CAMILLE",
        "MANON",
        "PAULINE",
        "MELANIE",
        "ELODIE",
        "AUDREY",
        "VIRGINIE",
        "SOPHIE",
        "ANNE",
        "CHLOE",
        "LEA",
        "INES",
        "JESSICA",
        "AMANDINE",
    ]
)
PRENOMS_M = np.array(
    [
        "JEAN",
        "PHILIPPE",
        "MICHEL",
        "ALAIN",
        "PATRICK",
        "NICOLAS",
        "CHRISTOPHE",
        "PIERRE",
        "CHRISTIAN",
        "ERIC",
        "FREDERIC",
        "LAURENT",
        "STEPHANE",
        "DAVID",
        "JULIEN",
        "SEBASTIEN",
        "THOMAS",
        "ANTOINE",
        "KEVIN",
        "MAXIME",
        "ALEXANDRE",
        "ROMAIN",
        "JEROME",
        "OLIVIER",
        "VINCENT",
        "FRANCK",
        "DAMIEN",
        "MATHIEU",
        "LUDOVIC",
        "YANNICK",
    ]
)


def _personnes(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Fake but real-looking personal data (file numbers, names, dates of birth) to pseudonymise."""
    matricules = rng.choice(np.arange(1_000_000, 9_999_999), size=2 * n, replace=False).astype(str)
    naissance = np.datetime64("1965-01-01") + rng.integers(0, 365 * 35, size=2 * n).astype("timedelta64[D]")
    return {
        "matricule_creancier": matricules[:n],
        "nom_creancier": rng.choice(NOMS, size=n),
        "prenom_creancier": rng.choice(PRENOMS_F, size=n),
        "date_naissance_creancier": naissance[:n],
        "matricule_debiteur": matricules[n:],
        "nom_debiteur": rng.choice(NOMS, size=n),
        "prenom_debiteur": rng.choice(PRENOMS_M, size=n),
        "date_naissance_debiteur": naissance[n:],
    }


@dataclass(frozen=True)
class Mensualites:
    """Procedure-months where something is due, with the plan and the payments drawn on them."""

    plan: pl.DataFrame
    versements: pl.DataFrame
    verite: dict


def en_vigueur(table: tuple[tuple[int, float], ...], mois: np.ndarray) -> np.ndarray:
    """The value in force each month of a (month from, value) table (the first one before it)."""
    debuts = np.array([m for m, _ in table])
    valeurs = np.array([v for _, v in table])
    return valeurs[np.clip(np.searchsorted(debuts, mois, side="right") - 1, 0, None)]


def _montant_asf(p: Parametres, mois: np.ndarray) -> np.ndarray:
    return en_vigueur(p.bareme, mois)


def simuler_mensualites(procedures: pl.DataFrame, p: Parametres, rng: np.random.Generator) -> Mensualites:
    """The recovery plan (expected amounts) and the payments, month by month.

    TC is due from the engagement month to the closure month (excluded), over the exported
    months. The TC of a month is paid first and never beyond what is due that month (the
    ventilation rule); arrears and ASFR follow the plan's schedule.
    """
    actives = procedures.filter(pl.col("stade") != "SIM")
    eng = mois_de(actives["date_engagement"].to_numpy())
    dates_cloture = actives["date_cloture"].to_numpy().astype("datetime64[D]")
    clo = np.where(np.isnat(dates_cloture), np.iinfo(np.int64).max, mois_de(dates_cloture))
    premier = np.maximum(eng, p.debut)
    dernier = np.minimum(clo - 1, p.fin)
    nb = np.maximum(dernier - premier + 1, 0)
    idx = np.repeat(np.arange(actives.height), nb)
    mois = premier[idx] + (np.arange(idx.size) - np.repeat(np.cumsum(nb) - nb, nb))
    k = idx.size

    type_idx = actives["_type_idx"].to_numpy()[idx]
    tc_du = actives["montant_mensuel_tc"].to_numpy()[idx]
    enfants = actives["nombre_enfants"].to_numpy()[idx]
    asfr_du = np.where(
        actives["asfr_gere"].to_numpy()[idx] == "O",
        np.round(np.minimum(tc_du, _montant_asf(p, mois) * enfants) * 0.6, 2),
        0.0,
    )
    # Arrears schedule: the arrears at engagement over 24 monthly instalments. A PDE reaches 6
    # months of arrears, 24 under GIPA (experimental départements in the window, everyone after).
    departement = actives["_departement"].to_numpy()[idx]
    experimental = np.isin(departement, list(p.gipa))
    sous_gipa = (experimental & (mois >= DEBUT_GIPA)) | (mois > FIN_GIPA)
    mois_atteignables = actives["mois_arrieres_engagement"].to_numpy()[idx].astype(float)
    mois_atteignables = np.where(
        type_idx == 1, np.minimum(mois_atteignables, np.where(sous_gipa, 24, 6)), mois_atteignables
    )
    rang = mois - eng[idx]
    arr_du = np.where(rang < 24, np.round(mois_atteignables * tc_du / 24, 2), 0.0)
    # Without the experiment, a PDE reaches 6 months of arrears (the counterfactual of the truth file).
    mois_sans = np.where(type_idx == 1, np.minimum(mois_atteignables, 6), mois_atteignables)
    arr_du_sans = np.where(rang < 24, np.round(mois_sans * tc_du / 24, 2), 0.0)
    fg_du = np.where(rng.random(k) < 0.02, np.round(rng.uniform(5.0, 40.0, size=k), 2), 0.0)

    # GIPA uplift of the payment propensity: each experimental département its own in the window,
    # every département the national average after the generalisation.
    uplift_national = float(np.mean(list(p.gipa.values()))) if p.gipa else 0.0
    uplift = np.where(
        experimental, pl.Series(departement).replace_strict(p.gipa, default=0.0).to_numpy(), 0.0
    )
    uplift = np.where(mois > FIN_GIPA, uplift_national, np.where(mois >= DEBUT_GIPA, uplift, 0.0))

    # Payment propensity; the year factor is calibrated so that the expected national TC flow rate
    # of recovery procedures, as observed (uplift included), follows the published path. The
    # counterfactual is the same propensity without the uplift.
    codes, caf_pos = np.unique(actives["code_caf_gestionnaire"].to_numpy()[idx], return_inverse=True)
    effet_caf = rng.lognormal(0.0, 0.10, size=codes.size)
    base = actives["_propension"].to_numpy()[idx] * effet_caf[caf_pos] * SAISON[mois % 12]
    recouvrement = type_idx != 4
    cible = tr.interpoler(tr.TAUX_RECOUVREMENT, mois)
    position = mois - mois.min()
    facteur = np.ones(position.max() + 1)
    for _ in range(4):  # the clip at 0.97 bends the mean: a few fixed-point steps settle it
        prob = np.clip(base * np.where(recouvrement, facteur[position], 1.0) * (1 + uplift), 0.02, 0.97)
        paye_tc = np.bincount(
            position, weights=prob * PART_TC_SI_PAIEMENT * tc_du * recouvrement, minlength=facteur.size
        )
        cible_mois = np.bincount(position, weights=cible * tc_du * recouvrement, minlength=facteur.size)
        facteur *= np.divide(cible_mois, paye_tc, out=np.ones_like(facteur), where=paye_tc > 0)
    prob_sans = np.clip(base * np.where(recouvrement, facteur[position], 1.0), 0.02, 0.97)
    prob = np.clip(prob_sans * (1 + uplift), 0.02, 0.97)
    verite = _verite(p, departement, mois, tc_du, prob, prob_sans, experimental & recouvrement)
    verite |= _verite_arrieres_pde(
        p, departement, mois, prob * arr_du - prob_sans * arr_du_sans, experimental & (type_idx == 1)
    )

    # Planted drift (issue 20, the alert list's control chart): the Caf pivot DERIVE_PLANTEE's
    # payment propensity drops in the last months exported. Drawn from no random number, so every
    # other row of the extracts is unchanged.
    caf_derive, mois_derive, facteur_derive = DERIVE_PLANTEE
    derive = (actives["code_caf_gestionnaire"].to_numpy()[idx] == caf_derive) & (mois > p.fin - mois_derive)
    prob = np.where(derive, prob * facteur_derive, prob)

    paie = rng.random(k) < prob
    complet = rng.random(k) < 0.85
    part = np.where(complet, 1.0, rng.uniform(0.3, 0.9, size=k))
    tc = np.round(tc_du * part, 2)
    asfr = np.round(asfr_du * part, 2)
    arrieres = np.where(rng.random(k) < PART_ARRIERES_SI_PAIEMENT, arr_du, 0.0)
    fg = np.where(rng.random(k) < 0.5, fg_du, 0.0)

    procedure_id = actives["procedure_id"].to_numpy()[idx]
    plan = pl.DataFrame(
        {
            "procedure_id": procedure_id,
            "mois": jours(mois, np.ones(k, dtype=np.int64)),
            "attendu_tc": tc_du,
            "attendu_asfr": asfr_du,
            "attendu_arrieres_pa": arr_du,
            "attendu_fj": np.zeros(k),
            "attendu_fg": fg_du,
            "_mois": mois,
        }
    )
    v = np.flatnonzero(paie)
    # A payment is never dated before its procedure's engagement: in the engagement month its
    # value date falls between the engagement day and the 28th.
    dates_engagement = actives["date_engagement"].to_numpy().astype("datetime64[D]")
    jour_engagement = (dates_engagement - dates_engagement.astype("datetime64[M]")).astype(np.int64) + 1
    premier_jour = np.where(rang[v] == 0, jour_engagement[idx[v]], 1)
    jour_v = premier_jour + np.floor(rng.random(v.size) * (29 - premier_jour)).astype(np.int64)
    tri = np.lexsort((procedure_id[v], jour_v, mois[v]))  # by month, value date, procedure
    ordre, jour_o = v[tri], jour_v[tri]
    mois_v = mois[ordre]
    rang_dans_mois = np.arange(ordre.size) - np.searchsorted(mois_v, mois_v)
    annee, mm = np.divmod(mois_v, 12)
    versement_id = np.char.add(
        np.char.add(np.char.add("V", annee.astype(str)), np.char.zfill((mm + 1).astype(str), 2)),
        np.char.zfill(rang_dans_mois.astype(str), 7),
    )
    versements = pl.DataFrame(
        {
            "versement_id": versement_id,
            "procedure_id": procedure_id[ordre],
            "date_valeur": jours(mois_v, jour_o),
            "montant": np.round(tc + asfr + arrieres + fg, 2)[ordre],
            "type_versement": TYPE_VERSEMENT[type_idx[ordre]],
            "provenance": PROVENANCE[type_idx[ordre]],
            "montant_tc": tc[ordre],
            "montant_asfr": asfr[ordre],
            "montant_arrieres_pa": arrieres[ordre],
            "montant_fj": np.zeros(ordre.size),
            "montant_fg": fg[ordre],
            "_mois": mois_v,
        }
    )
    # Planted re-sent batch (VERSEMENTS_RENVOYES): the Caf's payments of the last month, again, at the
    # end of that month's file (the frame is sorted by month: appended rows stay in the last one).
    caf_renvoi, mois_minimum = VERSEMENTS_RENVOYES
    if p.fin - p.debut + 1 >= mois_minimum:
        caf_versement = actives["code_caf_gestionnaire"].to_numpy()[idx][ordre]
        renvoyes = versements.filter(pl.Series((caf_versement == caf_renvoi) & (mois_v == p.fin)))
        versements = pl.concat([versements, renvoyes])
    return Mensualites(plan, versements, verite)


def _verite(p, departement, mois, tc_du, prob, prob_sans, traitable) -> dict:
    """Expected effect of the planted uplift on the TC flow rate, in the GIPA window.

    Effect = (expected TC collected with the uplift - without) / TC due, over the recovery
    procedure-months of each experimental département from 2014-10 to 2016-03 (amount-weighted,
    as the estimates are).
    """
    fenetre = traitable & (mois >= DEBUT_GIPA) & (mois <= FIN_GIPA)
    ecart = (prob - prob_sans) * PART_TC_SI_PAIEMENT * tc_du
    par_departement = {}
    for dep in sorted(p.gipa):
        masque = fenetre & (departement == dep)
        du = float(tc_du[masque].sum())
        par_departement[dep] = {
            "hausse_propension": p.gipa[dep],
            "effet_taux_tc": float(ecart[masque].sum() / du) if du else None,
            "tc_du": round(du, 2),
        }
    du_total = float(tc_du[fenetre].sum())
    return {
        "taux_recouvrement_tc": {
            "definition": "écart attendu du taux de recouvrement flux TC (encaissé / attendu, pondéré par "
            "les montants dus) dans les départements expérimentaux, 2014-10 à 2016-03, dû à l'effet planté",
            "effet_moyen": float(ecart[fenetre].sum() / du_total) if du_total else None,
            "par_departement": par_departement,
        },
    }


def _verite_arrieres_pde(p, departement, mois, ecart_attendu, traitable) -> dict:
    """Expected effect on the arrears collected on direct-payment (PDE) procedures: the arrears a
    PDE can reach go from 6 to 24 months under GIPA (seed 001), on top of the propensity uplift.
    Effect = expected Arr. PA collected with the experiment - without, per month, in each
    experimental département over 2014-10 to 2016-03, at the scale of the generated set."""
    fenetre = traitable & (mois >= DEBUT_GIPA) & (mois <= FIN_GIPA)
    nb_mois = FIN_GIPA - DEBUT_GIPA + 1
    ecart = ecart_attendu * PART_ARRIERES_SI_PAIEMENT
    par_departement = {
        dep: round(float(ecart[fenetre & (departement == dep)].sum()) / nb_mois, 2) for dep in sorted(p.gipa)
    }
    return {
        "arrieres_pa_encaisses_pde": {
            "definition": "écart attendu des arriérés de pension encaissés sur les procédures de paiement "
            "direct (PDE), en euros par mois et par département expérimental, 2014-10 à 2016-03 : "
            "arriérés atteignables portés de 6 à 24 mois et hausse de la propension à payer ; à "
            "l'échelle du jeu généré",
            "effet_moyen_par_departement_mois": round(float(np.mean(list(par_departement.values()))), 2)
            if par_departement
            else None,
            "par_departement": par_departement,
            "echelle": p.echelle,
        }
    }


def simuler_asf(p: Parametres, rng: np.random.Generator) -> tuple[pl.DataFrame, dict]:
    """Monthly ASF beneficiary families by Caf and kind: NR non recouvrable, R recouvrable,
    C complémentaire (GIPA pillar a: from 2014-10 in the experimental départements, nationwide
    after the generalisation of 2016-04)."""
    mois = np.arange(p.debut, p.fin + 1)
    population = np.array([o.population for o in p.organismes], dtype=float)
    poids = population / population.sum()
    departements = np.array([o.code_departement for o in p.organismes])
    experimental = np.isin(departements, list(p.gipa))
    familles = np.outer(poids * rng.lognormal(0, 0.05, size=poids.size), tr.interpoler(tr.FAMILLES_ASF, mois))

    # ASF complémentaire: the experiment's published path shared among its départements, then the
    # same take-up per inhabitant reached everywhere two years after the generalisation.
    dans_experimentation = tr.interpoler(tr.ASF_COMPLEMENTAIRE_EXPERIMENTATION, mois)
    dans_experimentation[mois < DEBUT_GIPA] = 0.0
    poids_exp = np.where(experimental, poids, 0.0) / max(poids[experimental].sum(), 1e-12)
    par_habitant = tr.ASF_COMPLEMENTAIRE_EXPERIMENTATION[-1].valeur / max(population[experimental].sum(), 1.0)
    rattrapage = np.clip((mois - FIN_GIPA) / 24, 0, 1)
    croissance = np.where(mois > FIN_GIPA, 1 + (mois - FIN_GIPA) / 60, 1.0)  # take-up keeps growing
    complementaire = np.where(
        experimental[:, None],
        np.outer(poids_exp, dans_experimentation) * croissance,
        np.outer(population * par_habitant, rattrapage) * croissance,
    )

    nc = rng.poisson(complementaire * p.echelle)
    reste = np.maximum(rng.poisson(familles * p.echelle) - nc, 0)
    nr_ = rng.binomial(reste, 0.63)
    r_ = reste - nr_
    montant = _montant_asf(p, mois)
    lignes = []
    codes = np.array([o.code_caf for o in p.organismes])
    for nature, nombre, part_montant in (("NR", nr_, 1.0), ("R", r_, 1.0), ("C", nc, 0.45)):
        enfants = nombre + rng.binomial(nombre, 0.45)
        lignes.append(
            pl.DataFrame(
                {
                    "code_caf": np.repeat(codes, mois.size),
                    "nature_asf": np.full(codes.size * mois.size, nature),
                    "nombre_familles": nombre.ravel(),
                    "nombre_enfants": enfants.ravel(),
                    "montant_verse": np.round(enfants * montant[None, :] * part_montant, 2).ravel(),
                    "_mois": np.tile(mois, codes.size),
                }
            )
        )
    asf = pl.concat(lignes).sort("_mois", "code_caf", "nature_asf")
    fenetre = (mois >= DEBUT_GIPA) & (mois <= FIN_GIPA)
    verite = {
        "asf_complementaire": {
            "definition": "familles bénéficiaires de l'ASF complémentaire dans les départements "
            "expérimentaux, 2014-10 à 2016-03 ; sans l'expérimentation il n'y en aurait aucune "
            "(contrefactuel nul)",
            "familles_fin_fenetre": float(nc[:, fenetre][:, -1][experimental].sum())
            if fenetre.any()
            else None,
            "echelle": p.echelle,
        }
    }
    return asf, verite
