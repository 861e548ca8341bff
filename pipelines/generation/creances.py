"""Debts on the files (créances), their accounting movements, and the write-off requests.

Two kinds of créances: OIF, the pension debt of a seizure on benefits implanted on the
débiteur's file (seed 002), and the Caf's own overpayments (indus Ixx and other natures) on the
files of the parents the network follows. Each is repaid month by month (a fixed or scaled
withholding, a direct repayment) until it is paid off, written off (remise de dette) or admitted
as irrecoverable (admission en non-valeur). Assumptions of the model, chosen so that the
indicators of seed 004 mean something:
- write-off requests follow a barème crossing the QF PRP bracket with the responsibility for the
  overpayment; each Caf applies it with its own leniency (the spread the Cour des comptes
  criticised), narrowed after the référentiel's good practice became mandatory (October 2017);
- requests up to the Caf's threshold (at least 1.5 x BMAF at 1 January, some Cafs higher, and
  before October 2017 some Cafs sent everything to the CRA) are decided by the services;
- recovery of a debt is suspended while a write-off request is pending;
- an insolvent debtor's debt is admitted as irrecoverable three years after implantation;
- planted (PRESCRIPTION_PLANTEE, modele.py): a few overpayments of one Caf never recovered, so
  that the photograph holds créances prescribing within 6 months, for the alert list.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np
import polars as pl

from pipelines.config import DOSSIER_SEEDS
from pipelines.generation import trajectoires as tr
from pipelines.generation.modele import (
    HISTORIQUE_MOIS,
    PRESCRIPTION_PLANTEE,
    Parametres,
    arrivees,
    en_vigueur,
    identifiant_enfant,
    jours,
    mois_index_de,
)

INDUS_PAR_MOIS = 2_500.0  # new overpayments a month, national, on the files followed (assumption)
NATURES_INDU = np.array(["IPF", "IAL", "IPA", "OTF", "OPF", "OFA"])
PART_NATURES_INDU = np.array([0.40, 0.30, 0.15, 0.06, 0.05, 0.04])
MODALITES = np.array(["RF", "RP", "RD", "PRL"])
PART_MODALITES_INDU = np.array([0.05, 0.65, 0.25, 0.05])
PROPENSION_MODALITE = np.array([0.85, 0.85, 0.55, 0.90])  # monthly chance an instalment comes in
RESPONSABILITES = np.array(["CAF", "TIERS", "ALLOCATAIRE", "ALLOCATAIRE_GRAVE"])
PART_RESPONSABILITES = np.array([0.20, 0.10, 0.50, 0.20])
# QF PRP brackets from the reference seed (lower bounds of every bracket but the first).
with (DOSSIER_SEEDS / "tranches_qf_remise.csv").open(encoding="utf-8") as _f:
    TRANCHES_QF = np.array([int(r["qf_min"]) for r in csv.DictReader(_f)][1:])
BAREME_REMISE = np.array(  # write-off rate by responsibility (rows) and QF bracket (columns)
    [
        [1.00, 1.00, 0.75, 0.50],
        [1.00, 0.75, 0.50, 0.25],
        [0.75, 0.50, 0.25, 0.00],
        [0.25, 0.00, 0.00, 0.00],
    ]
)
NOMBRES_PARTS = np.array([1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0])  # assumption: the débiteur's household
PART_NOMBRES_PARTS = np.array([0.25, 0.15, 0.22, 0.18, 0.12, 0.05, 0.03])
CANAUX = np.array(["COURRIER", "TELEPHONE", "MAIL", "GUICHET"])
PART_CANAUX = np.array([0.45, 0.20, 0.20, 0.15])
PART_DEMANDES_REMISE = 0.12
PART_DECES_ENFANT = 0.003
PART_INSOLVABLES = 0.08
DELAI_NON_VALEUR_MOIS = 36
HORIZON_MAX_MOIS = 120
PRESCRIPTION_JOURS = 5 * 365 + 1
REFERENTIEL = tr.index_mois("2017-10")  # the référentiel's good practices become mandatory (seed 004)
JAMAIS = np.iinfo(np.int64).max // 2


@dataclass(frozen=True)
class Creances:
    creances: pl.DataFrame  # snapshot at the last month
    mouvements: pl.DataFrame  # movements of the exported months (`_mois`)
    remises: pl.DataFrame  # requests of the exported months (`_mois`)


def _cumul_par_groupe(valeurs: np.ndarray, tailles: np.ndarray) -> np.ndarray:
    """Running sum within consecutive groups of sizes `tailles`."""
    cumul = np.cumsum(valeurs)
    debut = np.cumsum(tailles) - tailles
    avant = np.zeros(tailles.size)
    non_vides = tailles > 0
    avant[non_vides] = (cumul - valeurs)[debut[non_vides]]
    return cumul - np.repeat(avant, tailles)


def _mois(dates: np.ndarray) -> np.ndarray:
    return dates.astype("datetime64[M]").astype(np.int64) + 1970 * 12


def _personnes_des_indus(procedures: pl.DataFrame, codes: np.ndarray, caf: np.ndarray, rng) -> np.ndarray:
    """Overpayments land on the files of the parents followed in the same Caf (either parent)."""
    residence = procedures["code_caf_residence"].to_numpy()
    ordre = np.argsort(residence, kind="stable")
    tries = residence[ordre]
    debut = np.searchsorted(tries, codes, side="left")
    nombre = np.searchsorted(tries, codes, side="right") - debut
    choisi = debut[caf] + np.floor(rng.random(caf.size) * np.maximum(nombre[caf], 1)).astype(np.int64)
    choisi = ordre[np.minimum(choisi, ordre.size - 1)]
    creancier = rng.random(caf.size) < 0.5
    personne = np.where(
        creancier,
        procedures["cle_creancier"].to_numpy()[choisi],
        procedures["cle_debiteur"].to_numpy()[choisi],
    )
    # A Caf with no procedure: a file number of its own (still fake, still pseudonymised).
    seuls = np.flatnonzero(nombre[caf] == 0)
    if seuls.size:
        personne[seuls] = [f"9{x:06d}" for x in rng.integers(0, 999_999, size=seuls.size)]
    return personne


def qf_prp(
    ressources: np.ndarray, prestations: np.ndarray, logement: np.ndarray, parts: np.ndarray
) -> np.ndarray:
    """QF PRP as the PRP screen shows it (seed 002): (resources + benefits - housing) / parts,
    truncated to the euro, never below 0. The warehouse recomputes it in dbt (int_remises_dettes)
    from the extract's parts; the generator needs it to draw the barème's decision."""
    return np.floor(np.round(np.maximum(ressources + prestations - logement, 0.0) / parts, 6)).astype(
        np.int64
    )


def simuler_creances(procedures: pl.DataFrame, p: Parametres, rng: np.random.Generator) -> Creances:
    origine = p.debut - HISTORIQUE_MOIS
    codes = np.array([o.code_caf for o in p.organismes])
    population = np.array([o.population for o in p.organismes], dtype=float)

    # OIF: the arrears of each seizure on benefits, implanted on the débiteur's file.
    saisies = procedures.filter(
        (pl.col("code_procedure") == "SAISIE")
        & (pl.col("stade") != "SIM")
        & (pl.col("montant_arrieres_engagement") > 0)
    )
    n_oif = saisies.height
    impl_oif = saisies["date_engagement"].to_numpy().astype("datetime64[D]") + rng.integers(
        10, 41, size=n_oif
    ).astype("timedelta64[D]")

    # Overpayments: Poisson arrivals by Caf and month, following population.
    mois = np.arange(origine, p.fin + 1)
    caf_i, mois_i = arrivees(p, rng, mois, np.full(mois.size, INDUS_PAR_MOIS), population / population.sum())
    n_ind = caf_i.size
    impl_ind = jours(mois_i, rng.integers(1, 29, size=n_ind))

    n = n_oif + n_ind
    oif = np.arange(n) < n_oif
    implantation = np.concatenate([impl_oif, impl_ind])
    m0 = _mois(implantation)
    code_caf = np.concatenate([saisies["code_caf_residence"].to_numpy(), codes[caf_i]])
    caf_pos = pl.Series(code_caf).replace_strict({c: i for i, c in enumerate(codes)}).to_numpy()
    allocataire = np.concatenate(
        [saisies["cle_debiteur"].to_numpy(), _personnes_des_indus(procedures, codes, caf_i, rng)]
    )
    nature = np.concatenate(
        [np.full(n_oif, "OIF"), rng.choice(NATURES_INDU, size=n_ind, p=PART_NATURES_INDU)]
    )
    montant_initial = np.round(
        np.concatenate(
            [
                saisies["montant_arrieres_engagement"].to_numpy().astype(float),
                np.clip(rng.lognormal(np.log(550.0), 0.9, size=n_ind), 20.0, 15_000.0),
            ]
        ),
        2,
    )
    modalite = np.concatenate(
        [np.zeros(n_oif, dtype=np.int64), rng.choice(4, size=n_ind, p=PART_MODALITES_INDU)]
    )
    echeance = np.round(
        np.where(
            oif,
            np.maximum(30.0, montant_initial / rng.uniform(6, 30, size=n)),
            np.maximum(20.0, montant_initial / rng.uniform(2, 24, size=n)),
        ),
        2,
    )
    insolvable = rng.random(n) < PART_INSOLVABLES
    effet_caf = rng.lognormal(0.0, 0.10, size=codes.size)
    propension = np.where(insolvable, 0.03, PROPENSION_MODALITE[modalite] * effet_caf[caf_pos])
    augmentation = np.where(
        ~oif & (rng.random(n) < 0.05) & (m0 < p.fin), np.round(rng.uniform(20, 300, size=n), 2), 0.0
    )
    du = montant_initial + augmentation

    # Write-off requests (overpayments only; never on an insolvent's debt, admitted instead).
    deces = ~oif & (nature == "IPF") & (rng.random(n) < PART_DECES_ENFANT)
    demande = ~oif & ~insolvable & (deces | (rng.random(n) < PART_DEMANDES_REMISE))
    t_demande = m0 + np.where(deces, 1, rng.geometric(0.25, size=n))
    demande &= t_demande <= p.fin
    jour_demande = jours(t_demande, rng.integers(1, 29, size=n))
    facteur_seuil = rng.choice([1.0, 1.5, 2.0], size=codes.size, p=[0.7, 0.2, 0.1])
    tout_en_cra = rng.random(codes.size) < 0.3  # before the référentiel, some Cafs sent all to the CRA
    annee_demande = t_demande // 12
    seuil = np.round(1.5 * en_vigueur(p.bmaf, annee_demande * 12) * facteur_seuil[caf_pos], 2)
    seuil = np.where((t_demande < REFERENTIEL) & tout_en_cra[caf_pos], 0.0, seuil)
    # The PRP screen's parts (seed 002): monthly resources, monthly benefits, housing costs, number of
    # parts; the QF is computed from them as NSF does, truncated to the euro (788.5 shows as 788).
    nb_parts = rng.choice(NOMBRES_PARTS, size=n, p=PART_NOMBRES_PARTS)
    ressources = np.round(rng.lognormal(np.log(1300.0), 0.45, size=n), 2)
    prestations = np.round((nb_parts - 1.0) * rng.lognormal(np.log(260.0), 0.35, size=n), 2)
    logement = np.round((ressources + prestations) * rng.uniform(0.10, 0.35, size=n), 2)
    qf = qf_prp(ressources, prestations, logement, nb_parts)
    responsabilite = rng.choice(4, size=n, p=PART_RESPONSABILITES)
    indulgence_z = rng.normal(0.0, 0.35, size=codes.size)
    indulgence = np.exp(np.where(t_demande >= REFERENTIEL, 0.5, 1.0) * indulgence_z[caf_pos])
    taux = np.clip(
        BAREME_REMISE[responsabilite, np.searchsorted(TRANCHES_QF, qf, side="right")] * indulgence, 0, 1
    )
    taux = np.where(deces, 1.0, np.round(taux * 20) / 20)

    # Months each debt is followed: until paid off (generously), its admission, the decision.
    a_payer = np.ceil(du / echeance / np.maximum(propension, 0.2)) * 2 + 6
    horizon = np.where(insolvable, DELAI_NON_VALEUR_MOIS, a_payer)
    horizon = np.maximum(horizon, np.where(demande, t_demande + 6 - m0, 0))
    horizon = np.clip(np.minimum(horizon, np.minimum(p.fin - m0, HORIZON_MAX_MOIS)), 0, None).astype(np.int64)
    debut = np.cumsum(horizon) - horizon
    g = np.repeat(np.arange(n), horizon)
    mois_ligne = m0[g] + np.arange(g.size) - np.repeat(debut, horizon) + 1
    t_non_valeur = np.where(
        insolvable & (m0 + DELAI_NON_VALEUR_MOIS <= p.fin), m0 + DELAI_NON_VALEUR_MOIS, JAMAIS
    )
    verse = (rng.random(g.size) < propension[g]) & (mois_ligne < t_non_valeur[g])
    # Planted créances close to prescription: no instalment ever comes in, so their last act stays
    # their implantation. Chosen without a random draw, and their instalments are drawn as before
    # then dropped (below), so that every other row, and every later draw, is unchanged.
    caf_prescription, anciennete, nombre_plante = PRESCRIPTION_PLANTEE
    candidates = np.flatnonzero(
        ~oif
        & ~insolvable
        & ~demande
        & (code_caf == caf_prescription)
        & (m0 >= p.fin - anciennete)
        & (m0 <= p.fin - anciennete + 3)
    )
    plantees = np.zeros(n, dtype=bool)
    plantees[candidates[np.argsort(implantation[candidates], kind="stable")][:nombre_plante]] = True

    # The balance when the request comes in decides the instance (CRA above the threshold).
    cumul = _cumul_par_groupe(np.where(verse, echeance[g], 0.0), horizon)
    avant = np.zeros(n)
    deja = demande & (t_demande - m0 >= 2)
    avant[deja] = cumul[debut[deja] + t_demande[deja] - m0[deja] - 2]
    solde_demande = np.round(du - np.minimum(avant, du), 2)
    demande &= solde_demande > 0.005
    instance_cra = deces | (solde_demande > seuil)
    delai = np.where(instance_cra, rng.integers(30, 121, size=n), rng.integers(10, 46, size=n))
    jour_decision = jour_demande + delai.astype("timedelta64[D]")
    decide = demande & (jour_decision <= p.fin_extraction)
    t_decision = np.where(decide, _mois(jour_decision), JAMAIS)
    remis = np.where(decide, np.round(taux * solde_demande, 2), 0.0)

    # Recovery is suspended while the request is pending, then runs on what is left.
    verse &= ~(demande[g] & (mois_ligne >= t_demande[g]) & (mois_ligne < t_decision[g]))
    cumul = _cumul_par_groupe(np.where(verse, echeance[g], 0.0), horizon)
    du_ligne = du[g] - np.where(mois_ligne >= t_decision[g], remis[g], 0.0)
    paye_cumul = np.minimum(cumul, du_ligne)
    precedent = np.r_[0.0, paye_cumul[:-1]]
    precedent[debut[horizon > 0]] = 0.0
    paye_tire = np.round(paye_cumul - precedent, 2)
    paye = np.where(plantees[g], 0.0, paye_tire)  # the planted créances' instalments never come in
    paye_total = np.bincount(g, weights=paye, minlength=n)
    non_valeur = np.where(t_non_valeur < JAMAIS, np.maximum(np.round(du - remis - paye_total, 2), 0.0), 0.0)
    solde = np.maximum(np.round(du - remis - paye_total - non_valeur, 2), 0.0)

    # Snapshot.
    dernier_rec = np.full(n, -1, dtype=np.int64)
    np.maximum.at(dernier_rec, g[paye > 0], mois_ligne[paye > 0])
    acte = np.where(dernier_rec >= 0, jours(np.maximum(dernier_rec, 0), np.full(n, 15)), implantation)
    acte = np.maximum(acte, implantation)
    ordre = np.lexsort((code_caf, implantation))
    numero = np.empty(n, dtype=np.int64)
    numero[ordre] = np.arange(n)
    creance_id = np.char.add("C", np.char.zfill(numero.astype(str), 9))
    etat = np.where(
        non_valeur > 0, "ANV", np.where(solde > 0.005, "E", np.where(decide & (taux >= 0.999), "R", "S"))
    )
    motif = np.where(oif, "F", np.where(rng.random(n) < 0.05, "C", "N"))
    procedure_id = pl.Series(
        np.concatenate([saisies["procedure_id"].to_numpy(), np.full(n_ind, "")]), dtype=pl.String
    )
    creances = (
        pl.DataFrame(
            {
                "creance_id": creance_id,
                "cle_allocataire": allocataire,
                "code_caf": code_caf,
                "procedure_id": procedure_id.replace("", None),
                "nature": nature,
                "rang": np.where(oif, 1, np.minimum(rng.geometric(0.6, size=n), 5)),
                "montant_initial": montant_initial,
                "solde": solde,
                "etat": etat,
                "motif": motif,
                "date_implantation": implantation,
                "modalite_recouvrement": MODALITES[modalite],
                "date_prescription": np.where(
                    etat == "E", acte + np.timedelta64(PRESCRIPTION_JOURS, "D"), np.datetime64("NaT")
                ).astype("datetime64[D]"),
            }
        )
        .filter(pl.Series(m0 <= p.fin))
        .sort("creance_id")
    )

    # Movements.
    tires = np.flatnonzero(paye_tire > 0)
    jour_rec = rng.integers(5, 26, size=tires.size)  # drawn for every instalment, the planted ones too
    rec, jour_rec = tires[paye[tires] > 0], jour_rec[paye[tires] > 0]
    avec_dc = np.flatnonzero((augmentation > 0) & (horizon > 0))
    avec_remise = np.flatnonzero(remis > 0)
    avec_anv = np.flatnonzero(non_valeur > 0)
    parts = [
        (np.arange(n), implantation, "IC", "IMP", montant_initial),
        (avec_dc, jours(m0[avec_dc] + 1, np.full(avec_dc.size, 10)), "DC", "IMP", augmentation[avec_dc]),
        (g[rec], jours(mois_ligne[rec], jour_rec), "AD", "REC", paye[rec]),
        (avec_remise, jour_decision[avec_remise], "AD", "REM", remis[avec_remise]),
        (
            avec_anv,
            jours(t_non_valeur[avec_anv], np.full(avec_anv.size, 20)),
            "AD",
            "ANV",
            non_valeur[avec_anv],
        ),
    ]
    mouvements = pl.concat(
        [
            pl.DataFrame(
                {
                    "_i": i,
                    "date_comptable": dates.astype("datetime64[D]"),
                    "operation": np.full(i.size, operation),
                    "motif_mouvement": np.full(i.size, motif_mvt),
                    "montant": np.round(montants, 2),
                }
            )
            for i, dates, operation, motif_mvt, montants in parts
        ]
    )
    mouvements = (
        mouvements.with_columns(creance_id=pl.Series(creance_id).gather(mouvements["_i"]))
        .sort("creance_id", "date_comptable", "operation", "motif_mouvement")
        .with_columns(
            mouvement_id=identifiant_enfant("creance_id", "M", 3),
            _mois=mois_index_de("date_comptable"),
        )
        .filter(pl.col("_mois").is_between(p.debut, p.fin))
        .sort("_mois", "mouvement_id")
        .drop("_i")
    )

    # Write-off requests.
    d = np.flatnonzero(demande)
    decision = np.where(
        ~decide[d],
        "ATTENTE",
        np.where(taux[d] >= 0.999, "TOTALE", np.where(taux[d] <= 0.001, "REFUS", "PARTIELLE")),
    )
    remises = (
        pl.DataFrame(
            {
                "creance_id": creance_id[d],
                "code_caf": code_caf[d],
                "canal": np.where(deces[d], "AUTO", rng.choice(CANAUX, size=d.size, p=PART_CANAUX)),
                "date_demande": jour_demande[d],
                "ressources_mensuelles": ressources[d],
                "prestations_mensuelles": prestations[d],
                "charges_logement": logement[d],
                "nombre_parts": nb_parts[d],
                "responsabilite": np.where(deces[d], "DECES_ENFANT", RESPONSABILITES[responsabilite[d]]),
                "montant_demande": solde_demande[d],
                "instance": np.where(instance_cra[d], "CRA", "SERVICES"),
                "decision": decision,
                "montant_remis": remis[d],
                "date_decision": np.where(decide[d], jour_decision[d], np.datetime64("NaT")).astype(
                    "datetime64[D]"
                ),
                "_mois": t_demande[d],
            }
        )
        .sort("_mois", "creance_id")
        .with_columns(
            demande_id=pl.concat_str(pl.lit("R"), pl.col("creance_id").str.slice(1)),
        )
        .filter(pl.col("_mois").is_between(p.debut, p.fin))
    )
    return Creances(creances, mouvements, remises)
