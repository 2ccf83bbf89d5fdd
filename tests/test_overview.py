"""The programme overview: targets assessed by the stated rule, every year side by side."""
from __future__ import annotations

import pytest
from conftest import DATA
from serviceprogram.inputs.program import Target
from serviceprogram.publishing.overview import AT_RISK, MISSED, ON_TRACK, REACHED, TOO_EARLY, Overview, assess


@pytest.mark.parametrize("values, direction, expected", [
    ({2023: 4, 2024: 5, 2025: 6}, "minst", ON_TRACK),        # line reaches 8 before 2030
    ({2023: 4, 2024: 4, 2025: 4}, "minst", AT_RISK),         # flat line never reaches 8
    ({2023: 4, 2024: 8}, "minst", REACHED),
    ({2024: 5}, "minst", TOO_EARLY),
    ({2023: 9000, 2024: 9500}, "högst", REACHED),
    ({2023: 12000, 2024: 11500, 2025: 11000}, "högst", ON_TRACK),  # 8 500 in 2030
    ({2023: 11000, 2024: 11500, 2025: 12000}, "högst", AT_RISK),
    ({2029: 6, 2030: 7, 2031: 7}, "minst", MISSED),
])
def test_target_rule(values, direction, expected):
    target = Target("x", 8 if direction == "minst" else 10000, 2030, riktning=direction)
    assert assess(target, values).status == expected


def test_projection_is_the_least_squares_line():
    result = assess(Target("x", 8, 2030), {2023: 4, 2024: 5, 2025: 6})
    assert result.projected == pytest.approx(11.0)


def test_overview_of_the_example_data():
    overview = Overview.load(DATA)
    assert overview.years == [2023, 2024, 2025]
    assert overview.value("stod_belopp_kr", "Totalt", 2024) == 13_585_672
    text = overview.key_figures().text
    assert "kommuner_med_antagen_serviceplan [Totalt] minst 8 (2030): 2023 4, 2024 5, 2025 6 -> I fas" in text
    assert "foretagsbesok_antal [Totalt] minst 25 (2030): 2023 23, 2024 20, 2025 34 -> Uppnått 2025" in text
    html = overview.show().html
    assert "Programmets mål" in html and "Bedömningsregel" in html and "Exempeldata" in html


def test_unknown_target_indicator_is_reported(data_dir):
    with open(data_dir / "program.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[[mal]]\nindikator = "finns_inte"\nvarde = 1\nar = 2030\n')
    html = Overview.load(data_dir).show().html
    assert "finns_inte" in html and "Indikatorn eller dimensionen finns inte" in html


def test_broken_program_file_shows_problems_not_a_traceback(data_dir):
    (data_dir / "program.toml").write_text("region = ", encoding="utf-8")
    fragment = Overview.load(data_dir).show()
    assert "program.toml" in fragment.html and "TOML" in fragment.html


def test_forecast_of_municipalities_is_clipped_to_their_number():
    result = assess(Target("kommuner_med_antagen_handlingsplan", 9, 2030), {2023: 1, 2024: 3, 2025: 5}, 8)
    assert result.projected == 8.0 and result.status == AT_RISK


def test_forecast_of_a_count_is_never_negative():
    result = assess(Target("foretagsbesok_antal", 25, 2030), {2023: 20, 2024: 15, 2025: 10})
    assert result.projected == 0.0 and result.status == AT_RISK


def test_forecast_shown_as_the_target_is_on_track():
    # 11, 12, 12.3 -> the line reads about 13.7 at 2027: shown as 14, which meets >= 14
    result = assess(Target("sot_punkter_totalt", 14, 2027), {2023: 11, 2024: 12, 2025: 12.3})
    assert round(result.projected) == 14 and result.projected < 14
    assert result.status == ON_TRACK


def test_yearly_target_reached_before_the_target_year_says_when():
    result = assess(Target("foretagsbesok_antal", 25, 2030), {2024: 20, 2025: 34})
    assert result.status == REACHED and result.label == "Uppnått 2025"
    assert assess(Target("x", 8, 2025), {2025: 9}).label == "Uppnått"


def test_infinite_target_is_never_assessed_or_shown(data_dir):
    assert assess(Target("x", float("inf"), 2030), {2024: 5, 2025: 6}).status == TOO_EARLY
    with open(data_dir / "program.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[[mal]]\nindikator = "stod_antal"\nvarde = inf\nar = 2030\n')
    try:
        overview = Overview.load(data_dir)
    except Exception:  # validation may reject it first (program.toml checks)
        return
    html = overview.show().html.replace(str(data_dir), "")  # the folder is named after this test
    assert "∞" not in html
    if 'class="problems"' in html:  # refused as a problem in program.toml: the value is quoted there only
        assert "Måste vara ett ändligt tal" in html and "Risk" not in html and "Uppnått" not in html
    else:
        assert "inf" not in html.replace("information", "")


def test_single_year_wording(data_dir):
    import shutil

    for year in ("2023", "2024"):
        shutil.rmtree(data_dir / year)
    html = Overview.load(data_dir).show().html
    assert "Uppföljningsåret 2025" in html and "2025–2025" not in html
    assert "samma folkmängd" in html
