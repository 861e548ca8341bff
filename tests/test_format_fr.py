from datetime import date

from pipelines import format_fr

NBSP, FINE = "\u00a0", "\u202f"


def test_pourcentage_a_la_francaise():
    assert format_fr.pourcentage(0.653) == f"65,3{NBSP}%"
    assert format_fr.pourcentage(1.0) == f"100,0{NBSP}%"
    assert format_fr.pourcentage(0.0) == f"0,0{NBSP}%"
    assert format_fr.pourcentage(None) == "–"
    assert format_fr.pourcentage(float("nan")) == "–"


def test_montants_en_euros_avec_espaces_fines():
    assert format_fr.euros(1_234_567) == f"1{FINE}234{FINE}567{NBSP}EUR"
    assert format_fr.euros(1234.5, decimales=2) == f"1{FINE}234,50{NBSP}EUR"
    assert format_fr.euros(999.6) == f"1{FINE}000{NBSP}EUR"  # rounding carries into the thousands


def test_nombres_points_mois_durees():
    assert format_fr.nombre(37842) == f"37{FINE}842"
    assert format_fr.points(0.012) == f"+1,2{NBSP}pt"
    assert format_fr.points(-0.05) == f"-5,0{NBSP}pt"
    assert format_fr.mois(date(2026, 8, 1)) == "août 2026"
    assert format_fr.mois_court(date(2026, 2, 1)) == "févr. 2026"
    assert format_fr.duree(11.64) == f"11,6{NBSP}s"
    assert format_fr.duree(75) == f"1{NBSP}min 15{NBSP}s"
