"""phonemeta answers exactly what phonenumbers answers (parse + is_valid_number + format E.164).

The reference below is phonenumbers itself, called the way ``phone._e164`` called it before the
fast path existed. The samples are deterministic: random digit strings of 6-15 digits with and
without "+" in every supported region, phonenumbers' own example numbers of every type written
nationally, with the trunk prefix, with the calling code, after "+" and after the region's
international prefix, each also with one digit changed, dropped and added; and every NANP area
code. ``PHONEMETA_SCALE`` (an integer, default 1) multiplies the random part for a long run by
hand. All numbers are synthetic (random digits, or phonenumbers' published example numbers).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.extract import phone, phonemeta

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
NANP_REGIONS = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1])
SCALE = int(os.environ.get("PHONEMETA_SCALE", "1"))
_MAX_E164 = 16  # "+" and 15 digits
_MAX_DIGITS = 17  # the longest digit string phone.py asks about


def reference(number: str, region: str | None) -> str | None:
    """phonenumbers' verdict, independent of the module under test."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def reference_with_post_check(number: str, region: str | None) -> str | None:
    """The old body of ``phone._e164``: the reference, then E.164's 15-digit limit."""
    e164 = reference(number, region)
    return e164 if e164 is not None and len(e164) <= _MAX_E164 else None


def assert_same(cases: list[tuple[str, str | None]]) -> int:
    """Compare the fast path (which must not defer) with the reference; the count of valid."""
    mismatches = []
    valid = 0
    for number, region in cases:
        expected = reference(number, region)
        valid += expected is not None
        got = phonemeta.fast_e164(number, region)
        if got != expected:
            mismatches.append((number, region, got, expected))
    assert mismatches == [], f"{len(mismatches)} of {len(cases)}: {mismatches[:10]}"
    return valid


def _random_digits(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choices("0123456789", k=rng.randint(low, high)))


def _variants(digits: str, rng: random.Random) -> Iterator[str]:
    """``digits`` and two one-digit edits of it (one changed; one dropped or added): near
    misses of a valid number."""
    yield digits
    at = rng.randrange(len(digits))
    yield digits[:at] + rng.choice("0123456789") + digits[at + 1 :]
    if rng.random() < 0.5:
        yield digits[:at] + digits[at + 1 :]
    else:
        yield digits[:at] + rng.choice("0123456789") + digits[at:]


def _example_spellings(region: str, rng: random.Random) -> Iterator[tuple[str, str | None]]:
    """Each example number of ``region`` written every way phone.py may hand it over (up to
    17 digits: phone.py never asks about longer strings)."""
    for number, read_in in _all_example_spellings(region, rng):
        if len(number.lstrip("+")) <= _MAX_DIGITS:
            yield number, read_in


def _all_example_spellings(region: str, rng: random.Random) -> Iterator[tuple[str, str | None]]:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    assert metadata is not None
    country_code = str(metadata.country_code)
    idd = metadata.international_prefix if (metadata.international_prefix or "").isdigit() else ""
    trunk = metadata.national_prefix or ""
    for number_type in phonenumbers.PhoneNumberType.values():
        example = phonenumbers.example_number_for_type(region, number_type)
        if example is None:
            continue
        national = phonenumbers.national_significant_number(example)
        for digits in _variants(national, rng):
            yield digits, region
            yield trunk + digits, region
            yield country_code + digits, region
            yield country_code + trunk + digits, region
            yield "+" + country_code + digits, None
            yield "+" + country_code + trunk + digits, None
            if idd:
                yield idd + country_code + digits, region


def region_cases(seed: int, per_region: int) -> list[tuple[str, str | None]]:
    """Random digit strings in every region, national and after "+", and example spellings."""
    rng = random.Random(seed)
    cases: list[tuple[str, str | None]] = []
    for region in REGIONS:
        for _ in range(per_region):
            digits = _random_digits(rng, 6, 15)
            cases.append((digits, region))
            cases.append(("+" + digits, None))
        cases.extend(_example_spellings(region, rng))
    for country_code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        example = phonenumbers.example_number_for_non_geo_entity(country_code)
        assert example is not None
        for digits in _variants(phonenumbers.national_significant_number(example), rng):
            cases.append((f"+{country_code}{digits}", None))
    return cases


def nanp_cases(seed: int, per_area_code: int) -> list[tuple[str, str | None]]:
    """Every NANP area code (200-999) with random and 555-01xx lines, written as ten digits,
    eleven digits with a 1, "+1" and "011 1" in a NANP region, as phone.py's callers do."""
    rng = random.Random(seed)
    cases: list[tuple[str, str | None]] = []
    for area_code in range(200, 1000):
        for index in range(per_area_code):
            line = f"555{rng.randrange(100, 200):04d}" if index == 0 else _random_digits(rng, 7, 7)
            ten = f"{area_code}{line}"
            region = rng.choice(NANP_REGIONS)
            cases.append(("+1" + ten, None))
            cases.append((ten, region))
            cases.append(("1" + ten, region))
            cases.append(("011" + "1" + ten, "US"))
    return cases


def test_every_region_matches_phonenumbers() -> None:
    cases = region_cases(seed=20250601, per_region=20 * SCALE)
    valid = assert_same(cases)
    assert valid > len(REGIONS) * 3, "the sample must hold many valid numbers, not only noise"


def test_every_nanp_area_code_matches_phonenumbers() -> None:
    cases = nanp_cases(seed=1, per_area_code=SCALE)
    valid = assert_same(cases)
    assert valid > 1000


def test_phone_e164_keeps_its_post_check() -> None:
    # phonenumbers calls this German national string valid, but its E.164 form has 16 digits.
    german = "25202412252024"
    assert reference(german, "DE") == "+4925202412252024"
    assert phone._e164(german, "DE") is None
    rng = random.Random(7)
    cases: list[tuple[str, str | None]] = [
        ("+" + _random_digits(rng, 7, 15), None) for _ in range(300)
    ]
    cases += [(_random_digits(rng, 7, 17), "DE") for _ in range(300)]
    cases += [("+4915123456789", None), ("2125550123", "US")]
    for number, region in cases:
        assert phone._e164(number, region) == reference_with_post_check(number, region), number


def test_common_shapes() -> None:
    assert phonemeta.fast_e164("2125550123", "US") == "+12125550123"
    assert phonemeta.fast_e164("12125550123", "US") == "+12125550123"
    assert phonemeta.fast_e164("+12125550123", None) == "+12125550123"
    assert phonemeta.fast_e164("01112125550123", "US") == "+12125550123"
    assert phonemeta.fast_e164("02079460958", "GB") == "+442079460958"
    assert phonemeta.fast_e164("442079460958", "GB") == "+442079460958"
    assert phonemeta.fast_e164("+4402079460958", None) == "+442079460958"  # "(0)" dialled
    assert phonemeta.fast_e164("6135550123", "CA") == "+16135550123"


def test_invalid_numbers_are_none() -> None:
    assert phonemeta.fast_e164("1234567", "US") is None  # local-only length
    assert phonemeta.fast_e164("1115550123", "US") is None  # no area code starts with 1
    assert phonemeta.fast_e164("+0123456789", None) is None  # calling codes never start with 0
    assert phonemeta.fast_e164("+2805550123", None) is None  # 280 is no calling code
    assert phonemeta.fast_e164("2125550123", None) is None  # national form, no region
    assert phonemeta.fast_e164("2125550123", "ZZ") is None  # unknown region
    assert phonemeta.fast_e164("2125550123", "us") is None  # phonenumbers is case-sensitive here
    assert phonemeta.fast_e164("011", "US") is None  # nothing after the international prefix


@pytest.mark.parametrize(
    ("number", "region"),
    [
        ("212-555-0123", "US"),  # punctuation
        ("212555O123", "US"),  # a letter
        ("2125550123 ext 7", "US"),  # an extension
        ("tel:+1-212-555-0123", None),  # RFC 3966
        ("+12", None),  # too short to be viable
        ("12", "US"),
        ("1" * 18, "DE"),  # longer than any national number
        ("+0212555012", "US"),  # "+" without a calling code but with a region: parse retries
        ("", "US"),
        ("+", None),
        ("１２１２５５５０１２３", "US"),  # full-width digits
    ],
)
def test_unusual_inputs_defer_to_phonenumbers(number: str, region: str | None) -> None:
    with pytest.raises(phonemeta.UnmodelledError):
        phonemeta.fast_e164(number, region)
    assert phonemeta.e164(number, region) == reference(number, region)


def test_e164_is_the_fast_answer_when_modelled() -> None:
    assert phonemeta.e164("2125550123", "US") == "+12125550123"
    assert phonemeta.e164("+442079460958", None) == "+442079460958"
    assert phonemeta.e164("999", "US") is None


_REGION_OR_NONE = st.sampled_from([*REGIONS, None])


@settings(max_examples=300, deadline=None)
@given(
    digits=st.text(alphabet="0123456789", min_size=3, max_size=17),
    plus=st.booleans(),
    region=_REGION_OR_NONE,
)
def test_digit_strings_match_phonenumbers(digits: str, plus: bool, region: str | None) -> None:
    number = "+" + digits if plus else digits
    expected = reference(number, region)
    try:
        got = phonemeta.fast_e164(number, region)
    except phonemeta.UnmodelledError:
        assert plus and region is not None  # the only modelled shape it may decline
        got = phonemeta.e164(number, region)
    assert got == expected


@settings(max_examples=200, deadline=None)
@given(
    number=st.text(alphabet="0123456789+ -().x#*", max_size=24) | st.text(max_size=24),
    region=st.sampled_from([*REGIONS, None, "ZZ", "001", "us", ""]),
)
def test_any_input_matches_phonenumbers(number: str, region: str | None) -> None:
    assert phonemeta.e164(number, region) == reference(number, region)


@settings(max_examples=200, deadline=None)
@given(area_code=st.integers(200, 999), line=st.integers(0, 9_999_999), region=_REGION_OR_NONE)
def test_nanp_numbers_match_phonenumbers(area_code: int, line: int, region: str | None) -> None:
    ten = f"{area_code}{line:07d}"
    for number, read_in in (("+1" + ten, None), (ten, region), ("1" + ten, region)):
        assert phonemeta.fast_e164(number, read_in) == reference(number, read_in)
