"""screen(): scoring shape, negation, profiles, identifiers, titles, errors, evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from threadline.errors import InputError
from threadline.indicators import ScreenSettings, default_library
from threadline.indicators.evaluation import SIGNAL_INDICATORS, evaluate, roc_auc
from threadline.screening import Screener, screen, screen_many

LIBRARY = default_library()
DEFAULTS = ScreenSettings()
WEAK_SEX_AD = [
    example
    for ind in LIBRARY.indicators
    if ind.strength == "weak" and "sex_ad" in ind.profiles
    for example in ind.examples
]
WEAK_JOB = [
    example
    for ind in LIBRARY.indicators
    if ind.strength == "weak" and "job" in ind.profiles
    for example in ind.examples
]


def codes(text: str, **kwargs: object) -> set[str]:
    return {flag.code for flag in screen(text, **kwargs).flags}  # type: ignore[arg-type]


# --- the shape of the score -----------------------------------------------------------------


def test_all_weak_indicators_together_stay_below_the_threshold() -> None:
    for profile, examples in (("sex_ad", WEAK_SEX_AD), ("job", WEAK_JOB)):
        result = screen(". ".join(examples * 3), profile=profile)
        assert len({flag.code for flag in result.flags}) >= 4
        assert all(flag.strength == "weak" for flag in result.flags)
        assert result.score <= DEFAULTS.weak_only_cap < DEFAULTS.threshold
        assert not result.flagged and result.band == "low"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(WEAK_SEX_AD), min_size=1, max_size=25))
def test_any_mix_of_weak_signs_stays_low(parts: list[str]) -> None:
    result = screen(". ".join(parts), profile="sex_ad")
    assert result.score < DEFAULTS.threshold


def test_one_strong_indicator_reaches_review_and_strong_categories_compound() -> None:
    one = screen("Passport will be held for safekeeping.", profile="job")
    assert one.flagged and one.band == "review"
    two = screen(
        "Passport will be held for safekeeping. Ticket cost is deducted from your salary.",
        profile="job",
    )
    three = screen(
        "Passport will be held for safekeeping. Ticket cost is deducted from your salary. "
        "A small registration fee is required.",
        profile="job",
    )
    assert one.score < two.score < three.score
    assert three.band == "high"


def test_moderate_signs_need_two_categories() -> None:
    single = screen("Call now, my girls are ready for you tonight", profile="sex_ad")
    assert single.categories == {"third_party_control": 0.35}
    assert not single.flagged
    double = screen(
        "Call now, my girls are ready for you tonight. Gift cards accepted for booking.",
        profile="sex_ad",
    )
    assert double.flagged and double.score < DEFAULTS.strong_threshold


def test_repeats_of_one_indicator_count_once() -> None:
    once = screen("my girls", profile="sex_ad")
    many = screen(" ".join(["my girls."] * 20), profile="sex_ad")
    assert once.score == many.score
    flags = [flag for flag in many.flags if flag.code == "TP.THIRD_PERSON"]
    assert len(flags) == DEFAULTS.max_flags_per_indicator


def test_settings_are_checked_for_order() -> None:
    with pytest.raises(ValidationError):
        ScreenSettings(weak_only_cap=0.6)
    with pytest.raises(ValidationError):
        ScreenSettings(moderate_only_cap=0.9)
    with pytest.raises(ValidationError):
        ScreenSettings(threshold=0.9, strong_threshold=0.8)
    stricter = Screener(settings=ScreenSettings(threshold=0.6))
    assert not stricter.screen("Passport will be held.", profile="job").flagged


# --- negation and reassurance ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "We never charge recruitment fees to workers.",
        "We do NOT charge any registration fee.",
        "Registration fee: none.",
        "No cobramos cuota de inscripción.",
        "Nunca pedimos pago de trámites.",
        "Jamás cobramos depósito para tus documentos.",
        "We will never keep your passport.",
    ],
)
def test_negated_fee_and_passport_statements_do_not_fire(text: str) -> None:
    found = codes(text, profile="job")
    assert not found & {"JB.RECRUITMENT_FEE", "DR.PASSPORT_HELD"}, found


@pytest.mark.parametrize(
    "text",
    [
        "No experience needed, registration fee required.",
        "Registration fee is mandatory, no exceptions.",
        "Sin experiencia. Cuota de inscripción obligatoria.",
    ],
)
def test_a_negation_in_another_clause_does_not_cancel(text: str) -> None:
    assert "JB.RECRUITMENT_FEE" in codes(text, profile="job")


def test_deposit_negation_in_ads() -> None:
    assert "PM.DEPOSIT" not in codes("No deposit required, pay in person", profile="sex_ad")
    assert "PM.DEPOSIT" in codes("Deposit required, no exceptions", profile="sex_ad")


# --- Spanish --------------------------------------------------------------------------------


def test_spanish_lure_scores_high_and_genuine_spanish_job_low() -> None:
    lure = screen(
        "Trabajo en Canadá para señoritas de buena presencia. Gana hasta 60,000 pesos. "
        "Pasaje pagado y visa incluida, sin experiencia. El pasaporte queda con la agencia. "
        "Informes solo por WhatsApp."
    )
    assert lure.profile == "job" and lure.band == "high"
    genuine = screen(
        "Se solicita personal de almacén. Sueldo 9,500 mensuales más prestaciones. "
        "No cobramos cuota de inscripción. Envía tu solicitud a empleos@empresa.example"
    )
    assert genuine.profile == "job" and genuine.score < 0.2


# --- identifiers ----------------------------------------------------------------------------


def test_claimed_minor_is_strong_on_its_own() -> None:
    result = screen("Hi, Lexi 16yo, text me")
    (flag,) = [flag for flag in result.flags if flag.code == "YO.CLAIMED_MINOR"]
    assert flag.matched == "16yo" and flag.strength == "strong"
    assert result.flagged
    assert "YO.CLAIMED_MINOR" in codes("Hola, tengo 17 años")
    assert "YO.CLAIMED_MINOR" not in codes("Hi, Lexi 22yo, text me")


def test_crypto_wallet_and_payment_handles_take_part() -> None:
    wallet = screen("Deposit first to bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", profile="sex_ad")
    assert {"PM.CRYPTO_WALLET", "PM.DEPOSIT"} <= {flag.code for flag in wallet.flags}
    assert "PM.PAYMENT_APP" in codes("venmo @rose-petal-22 for booking", profile="sex_ad")


def test_messenger_only_contact_is_cancelled_by_an_email_or_site() -> None:
    only = "Hiring farm workers in Canada. Contact wa.me/15555550123"
    assert "CR.MESSENGER_NO_OTHER" in codes(only, profile="job")
    assert "CR.MESSENGER_NO_OTHER" not in codes(only + " or jobs@example.com", profile="job")
    assert "CR.MESSENGER_NO_OTHER" not in codes(only + " or www.example.com/jobs", profile="job")


# --- profiles, titles, input ----------------------------------------------------------------


def test_profile_is_detected_given_or_read_from_meta() -> None:
    ad = "Incall or outcall, roses only. Deposit required."
    assert screen(ad).profile == "sex_ad"
    assert "JB.RECRUITMENT_FEE" not in codes(ad)
    assert "JB.RECRUITMENT_FEE" in codes(ad, profile="job")
    assert screen(ad, meta={"profile": "job"}).profile == "job"
    assert screen("hello there").profile == "unknown"
    with pytest.raises(InputError, match="profile"):
        screen(ad, profile="dating")
    with pytest.raises(InputError, match="profile"):
        screen(ad, meta={"profile": 3})


def test_title_is_screened_with_its_own_spans() -> None:
    title = "NEW IN TOWN Mia 16yo"
    result = screen("Text me for a good time", meta={"title": title})
    by_code = {flag.code: flag for flag in result.flags}
    assert by_code["YO.CLAIMED_MINOR"].field == "title"
    assert title[slice(*by_code["YO.CLAIMED_MINOR"].span)] == "16yo"
    assert by_code["MV.MOVEMENT"].matched == "NEW IN TOWN"


def test_bad_input_gets_a_clear_error() -> None:
    with pytest.raises(InputError, match="text must be a string"):
        screen(None)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="characters"):
        screen("x" * (DEFAULTS.max_text_chars + 1))
    with pytest.raises(InputError, match="meta must be a mapping"):
        screen("x", meta=["title"])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="region"):
        screen("x", meta={"region": "USA"})
    assert screen("").score == 0.0 and screen("").flags == ()


def test_result_dict_follows_the_contract() -> None:
    text = "My girls are waiting. Text my manager. Deposit required."
    payload = json.loads(json.dumps(screen(text).to_dict()))
    assert set(payload) >= {"score", "flags", "flagged", "band", "profile", "categories"}
    for flag in payload["flags"]:
        assert set(flag) >= {"code", "label", "category", "strength", "span", "matched", "source"}
        start, end = flag["span"]
        assert text[start:end] == flag["matched"]


def test_screen_many_matches_screen() -> None:
    posts = [
        ("Barely legal and new in town", None),
        ("Pasaje pagado, cuota de inscripción", {"title": "Trabajo en Canadá"}),
        ("", None),
    ]
    assert screen_many(posts) == [screen(text, meta=meta) for text, meta in posts]


# --- evaluation -----------------------------------------------------------------------------


def test_roc_auc_against_known_values() -> None:
    assert roc_auc(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1])) == 1.0
    assert roc_auc(np.array([0.9, 0.8, 0.2, 0.1]), np.array([0, 0, 1, 1])) == 0.0
    assert roc_auc(np.array([0.5, 0.5, 0.5, 0.5]), np.array([0, 1, 0, 1])) == 0.5
    assert roc_auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == 0.75
    with pytest.raises(ValueError, match="positive and one negative"):
        roc_auc(np.array([0.1, 0.2]), np.array([1, 1]))


def test_signal_mapping_names_real_indicators() -> None:
    known = {ind.id for ind in LIBRARY.indicators}
    for mapped in SIGNAL_INDICATORS.values():
        assert set(mapped) <= known


def test_evaluation_on_a_small_synthetic_corpus(tmp_path: Path) -> None:
    from threadline.synth import write_corpus

    posts, truth = tmp_path / "posts.jsonl", tmp_path / "truth.json"
    write_corpus(1500, 11, posts, truth)
    report = evaluate(posts, truth, batch=300)
    assert report.posts == 1500
    assert report.roc_auc > 0.9
    assert report.precision > 0.8
    assert report.by_category["independent"]["flagged"] < 0.05
    figures = report.as_dict()
    assert figures["signals"]["under18_claim"]["recall"] is None or (
        figures["signals"]["under18_claim"]["recall"] > 0.8
    )


# --- the analyze stage's pure part ----------------------------------------------------------


def test_screen_columns_fill_both_tables() -> None:
    from threadline.screening import FLAG_COLUMNS, SCREEN_COLUMNS, screen_columns

    screens, flags = screen_columns(
        ["p1", "p2"],
        ["Lexi 16yo, text my manager", "Warehouse staff wanted"],
        ["New in town", None],
    )
    assert set(screens) == set(SCREEN_COLUMNS) and set(flags) == set(FLAG_COLUMNS)
    assert screens["post_id"] == ["p1", "p2"]
    assert screens["flagged"] == [True, False]
    assert screens["flag_count"][0] == flags["post_id"].count("p1") == 3
    assert set(flags["field"]) == {"text", "title"}
    with pytest.raises(InputError, match="same length"):
        screen_columns(["p1"], [], [])


def test_given_identifiers_skip_extraction() -> None:
    from threadline.extract import extract
    from threadline.records import Identifier

    text = "Mia 16yo here"
    extracted = screen_many([(text, None)], identifiers=[{"text": extract(text)}])
    assert extracted == [screen(text)]
    # What is given is what counts: no age given, no age flag.
    bare = screen_many([(text, None)], identifiers=[{}])
    assert "YO.CLAIMED_MINOR" not in {flag.code for flag in bare[0].flags}
    fake = Identifier("age", "here", "15", 9, 13)
    (forced,) = screen_many([(text, None)], identifiers=[{"text": [fake]}])
    assert [f.matched for f in forced.flags if f.code == "YO.CLAIMED_MINOR"] == ["here"]
    with pytest.raises(InputError, match="identifier sets"):
        screen_many([(text, None)], identifiers=[])


def test_indicator_rows_cover_the_library() -> None:
    from threadline.screening import indicator_rows

    rows = indicator_rows()
    assert [row["code"] for row in rows] == [ind.id for ind in LIBRARY.indicators]
    assert all(row["source"] and row["label"] for row in rows)
