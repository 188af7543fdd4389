"""The indicator library: every indicator's examples and near misses, obfuscation, loader rules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.indicators import (
    DATA_DIR,
    IndicatorDataError,
    Matcher,
    default_library,
    expand,
    load_library,
)
from threadline.indicators.textnorm import pattern_skeleton, skeleton
from threadline.screening import screen

LIBRARY = default_library()
EXAMPLES = [
    pytest.param(ind.id, ind.profiles[0], text, id=f"{ind.id}-{n}")
    for ind in LIBRARY.indicators
    for n, text in enumerate(ind.examples)
]
COUNTER_EXAMPLES = [
    pytest.param(ind.id, ind.profiles[0], text, id=f"{ind.id}-not-{n}")
    for ind in LIBRARY.indicators
    for n, text in enumerate(ind.counter_examples)
]
PATTERN_INDICATORS = [ind for ind in LIBRARY.indicators if ind.patterns]


def codes(text: str, profile: str | None = None) -> set[str]:
    return {flag.code for flag in screen(text, profile=profile).flags}


@pytest.mark.parametrize(("code", "profile", "text"), EXAMPLES)
def test_every_example_raises_its_indicator(code: str, profile: str, text: str) -> None:
    result = screen(text, profile=profile)
    flags = [flag for flag in result.flags if flag.code == code]
    assert flags, f"{code} not raised by {text!r}: {[f.code for f in result.flags]}"
    for flag in flags:
        assert text[flag.start : flag.end] == flag.matched
        assert flag.source and flag.label and flag.category


@pytest.mark.parametrize(("code", "profile", "text"), COUNTER_EXAMPLES)
def test_no_counter_example_raises_its_indicator(code: str, profile: str, text: str) -> None:
    assert code not in codes(text, profile)


def test_every_indicator_has_examples_in_english_and_spanish_patterns() -> None:
    for ind in PATTERN_INDICATORS:
        assert {"en", "es"} <= set(ind.patterns), ind.id
    assert {"en", "es"} <= set(LIBRARY.languages)


def test_library_covers_the_required_categories_and_both_profiles() -> None:
    categories = {ind.category for ind in LIBRARY.indicators}
    for needed in (
        "youth", "movement", "third_party_control", "restricted_freedom", "debt",
        "deception_recruitment", "document_retention", "advance_fee", "payment_method",
        "contact_restriction",
    ):  # fmt: skip
        assert needed in categories
    for profile in ("sex_ad", "job"):
        assert any(profile in ind.profiles for ind in LIBRARY.indicators)


# --- obfuscation ----------------------------------------------------------------------------

_LEET = str.maketrans({"a": "4", "e": "3", "o": "0", "s": "5", "i": "1", "t": "7"})


def _leet(word: str) -> str:
    return word.lower().translate(_LEET)


def _spaced(word: str) -> str:
    return "  ".join(" ".join(part) for part in word.split(" "))


def _dotted(word: str) -> str:
    return " ".join(".".join(part) for part in word.split(" "))


def _repeated(word: str) -> str:
    return "".join(ch * 3 if ch in "aeiou" else ch for ch in word)


def _full_width(word: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in word)


def _emoji(word: str) -> str:
    return "\U0001f525".join(word)


OBFUSCATORS = {
    "upper": str.upper,
    "leet": _leet,
    "spaced": _spaced,
    "dotted": _dotted,
    "repeated": _repeated,
    "full_width": _full_width,
    "emoji": _emoji,
}


MATCHER = Matcher(LIBRARY)


def _first_example_flag(code: str) -> tuple[str, str, int, int]:
    """The first example of ``code`` with an ASCII pattern hit (not an identifier)."""
    ind = LIBRARY.by_id(code)
    index = LIBRARY.indicators.index(ind)
    for text in ind.examples:
        for hit in MATCHER.scan(text).hits:
            if hit.indicator == index and text[hit.start : hit.end].isascii():
                return text, ind.profiles[0], hit.start, hit.end
    pytest.skip(f"{code} has no ASCII example")


@pytest.mark.parametrize("obfuscator", sorted(OBFUSCATORS))
@pytest.mark.parametrize("code", [ind.id for ind in PATTERN_INDICATORS])
def test_obfuscated_examples_still_raise(code: str, obfuscator: str) -> None:
    text, profile, start, end = _first_example_flag(code)
    changed = OBFUSCATORS[obfuscator](text[start:end])
    if obfuscator == "leet" and any(word.isdigit() for word in changed.split()):
        pytest.skip("a word that is all digits after leetspeak ('to' -> '70') reads as a number")
    obfuscated = text[:start] + changed + text[start + len(text[start:end]) :]
    result = screen(obfuscated, profile=profile)
    flags = [flag for flag in result.flags if flag.code == code]
    assert flags, f"{code} lost under {obfuscator}: {obfuscated!r}"
    for flag in result.flags:
        assert obfuscated[flag.start : flag.end] == flag.matched


def test_spanish_accents_are_optional() -> None:
    assert "JB.RECRUITMENT_FEE" in codes("Cuota de inscripcion requerida", "job")
    assert "JB.RECRUITMENT_FEE" in codes("CUOTA DE INSCRIPCIÓN requerida", "job")
    assert "MV.MOVEMENT" in codes("Recien llegada, solo por unos dias", "sex_ad")


def test_spans_index_the_original_through_invisible_and_wide_characters() -> None:
    text = "Ｈｉ! b\u200ba\u200br\u200be\u200bl\u200by legal 😘 and  n e w  i n  t o w n"
    result = screen(text, profile="sex_ad")
    matched = {flag.code: flag.matched for flag in result.flags}
    assert matched["YO.BARELY_LEGAL"] == "b\u200ba\u200br\u200be\u200bl\u200by legal"
    assert matched["MV.MOVEMENT"] == "n e w  i n  t o w n"
    for flag in result.flags:
        assert text[flag.start : flag.end] == flag.matched


def test_emoji_standing_for_a_letter() -> None:
    assert "YO.YOUNG_WORDS" in codes("y\u2b55ung and sweet", "sex_ad")


def test_word_boundaries_are_respected() -> None:
    assert "YO.YOUNG_WORDS" not in codes("Youngstown native, mature", "sex_ad")
    assert "MV.MOVEMENT" not in codes("renew in townhouse listings", "sex_ad")


def test_same_letter_across_a_word_gap_does_not_hide_a_pattern() -> None:
    # "girl limited" skeletonises to "girimited": the run of l's crosses the gap.
    result = screen("Sweet girl limited English", profile="sex_ad")
    flags = [flag for flag in result.flags if flag.code == "IS.LANGUAGE_BARRIER"]
    assert [flag.matched for flag in flags] == ["limited English"]


def test_numbers_are_not_read_as_leetspeak() -> None:
    assert skeleton("24/7 $200").text == "24 7 20"  # digits kept (repeats collapse)
    assert skeleton("y0ung d3p0s1t").text == "young deposit"


def test_leet_and_repeats_and_case_share_one_skeleton() -> None:
    forms = ["deposit", "DEPOSIT", "d3p0s1t", "d e p o s i t", "deeepoosiit", "d.e.p.o.s.i.t"]
    assert len({pattern_skeleton(form) for form in forms}) == 1


# --- properties -----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_scans_without_error_and_spans_index_it(text: str) -> None:
    result = screen(text)
    assert 0.0 <= result.score <= 1.0
    for flag in result.flags:
        assert 0 <= flag.start <= flag.end <= len(text)
        assert text[flag.start : flag.end] == flag.matched


_PIECES = st.sampled_from(
    ["new in town", "deposit", " ", "  ", "y0ung", "🔥", "\u200b", "ｇｉｒｌｓ", "é", "ll", "!",
     "24/7", "my girls", "no ", "fee", "Ñ", "İ", "ß", "\n", "pasaporte", "1", "@", "$"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_adversarial_mixtures_keep_spans_exact(text: str) -> None:
    for flag in screen(text).flags:
        assert text[flag.start : flag.end] == flag.matched
        assert flag.start < flag.end


# --- loader ---------------------------------------------------------------------------------

GOOD = """
[[indicator]]
id = "TS.GOOD"
label = "Test"
category = "movement"
profiles = ["sex_ad"]
strength = "weak"
weight = 0.1
sources = ["unodc_indicators"]
description = "A test indicator."
patterns.en = ["{purple|violet} elephant"]
examples = ["a purple elephant"]
counter_examples = ["a grey elephant"]
"""


def _data_dir(tmp_path: Path, body: str) -> Path:
    for name in ("sources.toml", "lexicon.toml"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    (tmp_path / "test.toml").write_text(body, encoding="utf-8")
    return tmp_path


def test_loader_reads_a_minimal_library(tmp_path: Path) -> None:
    library = load_library(_data_dir(tmp_path, GOOD))
    (indicator,) = library.indicators
    assert indicator.expanded["en"] == ("purple elephant", "violet elephant")
    assert indicator.file == "test.toml"
    matcher = Matcher(library)
    assert [hit.indicator for hit in matcher.scan("A VIOLET  elephant!").hits] == [0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('id = "TS.GOOD"', 'id = "bad id"'), "id must look like"),
        (('category = "movement"', 'category = "vibes"'), "category 'vibes'"),
        (("weight = 0.1", "weight = 0.9"), "outside"),
        (('sources = ["unodc_indicators"]', 'sources = ["nobody"]'), "unknown sources"),
        (('strength = "weak"', 'strength = "huge"'), "strength must be"),
        (('profiles = ["sex_ad"]', 'profiles = ["dating"]'), "profiles must be"),
        (('["{purple|violet} elephant"]', '["ab"]'), "too short"),
        (('["{purple|violet} elephant"]', '["{purple elephant"]'), "unbalanced"),
        (('examples = ["a purple elephant"]', "examples = []"), None),
        (('label = "Test"', 'label = "Test"\ncolour = "red"'), "unknown keys"),
        (("patterns.en", "patterns.english"), "two-letter language code"),
        (('label = "Test"', 'label = ""'), "label is required"),
        (('description = "A test indicator."\n', 'description = "x"\nhtcds = "Bad"\n'), "HTCDS"),
    ],
)
def test_loader_rejects_bad_indicators(
    tmp_path: Path, change: tuple[str, str], message: str | None
) -> None:
    body = GOOD.replace(*change)
    assert body != GOOD
    if message is None:
        load_library(_data_dir(tmp_path, body))  # an empty example list is allowed by type...
        return
    with pytest.raises(IndicatorDataError, match=message):
        load_library(_data_dir(tmp_path, body))


def test_loader_rejects_duplicates_bad_toml_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(IndicatorDataError, match="already defined"):
        load_library(_data_dir(tmp_path, GOOD + GOOD))
    with pytest.raises(IndicatorDataError, match="not valid TOML"):
        load_library(_data_dir(tmp_path, GOOD + "\n[[[nonsense"))
    (tmp_path / "lexicon.toml").unlink()
    with pytest.raises(IndicatorDataError, match="missing data file"):
        load_library(tmp_path)


def test_loader_needs_patterns_or_an_identifier_rule(tmp_path: Path) -> None:
    body = GOOD.replace('patterns.en = ["{purple|violet} elephant"]', "")
    with pytest.raises(IndicatorDataError, match="needs patterns or an identifier rule"):
        load_library(_data_dir(tmp_path, body))
    ruled = body.replace('description = "A test indicator."', 'description = "x"\n'
                         'identifier = { kind = "age", max = 17 }')  # fmt: skip
    (indicator,) = load_library(_data_dir(tmp_path, ruled)).indicators
    assert indicator.identifier is not None and indicator.identifier.max_value == 17
    bad_kind = ruled.replace('kind = "age"', 'kind = "shoe"')
    with pytest.raises(IndicatorDataError, match=r"identifier\.kind"):
        load_library(_data_dir(tmp_path, bad_kind))


def test_expand() -> None:
    assert expand("{keep|hold} {your |}passport") == (
        "keep your passport",
        "keep passport",
        "hold your passport",
        "hold passport",
    )
    assert expand("plain words") == ("plain words",)
    with pytest.raises(ValueError, match="unbalanced"):
        expand("a|b")
    with pytest.raises(ValueError, match="expands to"):
        expand("{a|b|c|d|e|f|g|h}" * 4)


def test_a_language_can_be_added_as_its_own_file(tmp_path: Path) -> None:
    directory = _data_dir(tmp_path, GOOD)
    (directory / "test.fr.toml").write_text(
        '[[extend]]\nid = "TS.GOOD"\npatterns.fr = ["éléphant {violet|pourpre}"]\n'
        'examples = ["un éléphant violet"]\ncounter_examples = ["un éléphant gris"]\n',
        encoding="utf-8",
    )
    (indicator,) = load_library(directory).indicators
    assert set(indicator.patterns) == {"en", "fr"}
    assert indicator.examples[-1] == "un éléphant violet"
    scan = Matcher(load_library(directory)).scan("Un ELEPHANT VIOLET ici")
    assert [hit.language for hit in scan.hits] == ["fr"]
    for body, message in (
        ('[[extend]]\nid = "TS.NONE"\npatterns.fr = ["abc def"]\n', "no file defines"),
        ('[[extend]]\nid = "TS.GOOD"\npatterns.en = ["abc def"]\n', "already have patterns"),
        ('[[extend]]\nid = "TS.GOOD"\nlabel = "x"\n', "unknown keys"),
        ('[[extend]]\nid = "TS.GOOD"\npatterns.fr = ["ab"]\n', "too short"),
    ):
        (directory / "test.fr.toml").write_text(body, encoding="utf-8")
        with pytest.raises(IndicatorDataError, match=message):
            load_library(directory)
