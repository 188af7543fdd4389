"""phonenumbers' verdict on a digit string, read straight from its metadata.

:mod:`threadline.extract.phone` asks, for every candidate of a plausible length, what
``phonenumbers.parse`` + ``is_valid_number`` + ``format_number(E164)`` make of it. On a corpus
where every post is new that costs about a sixth of all extraction time: ``parse`` walks a
general-purpose path (RFC 3966, extensions, alpha numbers, normalisation, a regex compile per
step) and ``is_valid_number`` re-tests each number type in turn.

The candidates are always plain: ASCII digits, optionally after ``+``. For those, this module
follows the same steps as ``phonenumbers`` (international prefix, country calling code, the
region's own code written without ``+``, national prefix and its transform rule, the length
checks, the region among those sharing a calling code, the number types) with the metadata's
patterns compiled once per region, and the number types of a region folded into one regex per
number length. Anything else (other characters, lengths outside 3-17 digits, a ``+`` with an
unknown calling code and a default region) goes to ``phonenumbers`` itself, so
:func:`e164` gives exactly what ``phonenumbers`` gives; the equivalence tests
(``tests/test_extract_phonemeta.py``) compare the two on every region and every NANP area code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberDesc

#: The inputs read here: ``+`` and digits, or digits, of a length phonenumbers considers viable.
_MODELLED_RE = re.compile(r"\+?[0-9]{3,17}")
_MIN_LENGTH_FOR_NSN = 2  # phonenumbers' bounds on a national significant number
_MAX_LENGTH_FOR_NSN = 17
_MAX_LENGTH_COUNTRY_CODE = 3
_NON_GEO_REGION = "001"  # phonenumbers' region code for non-geographic calling codes (800, 870)

# phonenumbers' ValidationResult for a length, as far as parsing needs it.
_IS_POSSIBLE = 0
_IS_POSSIBLE_LOCAL_ONLY = 1
_TOO_SHORT = 2
_INVALID_LENGTH = 3
_TOO_LONG = 4
#: Verdicts under which parse keeps the national prefix it could have stripped.
_KEEP_PREFIX = frozenset({_TOO_SHORT, _IS_POSSIBLE_LOCAL_ONLY, _INVALID_LENGTH})


class UnmodelledError(Exception):
    """The input is outside what the fast reading covers; ``phonenumbers`` must answer."""


@dataclass(frozen=True, slots=True)
class _Plan:
    """One region's metadata (or a non-geographic calling code's), compiled for digit strings."""

    country_code: int
    country_code_text: str
    #: The international dialling prefix ("011", "00"), None when the region has none.
    idd: re.Pattern[str] | None
    #: The general description's pattern (a full match, no length check), None when empty.
    general: re.Pattern[str] | None
    #: The general description's possible lengths, sorted, and its local-only lengths.
    lengths: tuple[int, ...]
    local_lengths: tuple[int, ...]
    national_prefix: re.Pattern[str] | None
    transform_rule: str
    #: For each national number length, one pattern whose full match means "a known number
    #: type" (general description and at least one type); lengths without any are absent.
    known_type_by_length: dict[int, re.Pattern[str]]

    def general_matches(self, number: str) -> bool:
        """phonenumbers' ``_match_national_number(number, general_desc, False)``."""
        return self.general is not None and self.general.fullmatch(number) is not None

    def has_known_type(self, national: str) -> bool:
        """phonenumbers' ``_number_type_helper(national, metadata) != UNKNOWN``."""
        pattern = self.known_type_by_length.get(len(national))
        return pattern is not None and pattern.fullmatch(national) is not None


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A region that may own a number of a shared calling code (see :func:`_owners`)."""

    #: The region's leading digits, if its metadata names them; else its number types decide.
    leading: re.Pattern[str] | None
    #: The region ("001" for a non-geographic code), None when phonenumbers has no metadata
    #: for it (then it is skipped).
    region: str | None
    country_code: int
    #: Whether the region's own calling code is the number's (it always is in real metadata).
    same_code: bool

    def plan(self) -> _Plan | None:
        """The region's compiled metadata, compiled on first use: most numbers of a shared
        calling code belong to its first region, so the others are rarely needed."""
        if self.region is None:
            return None
        if self.region == _NON_GEO_REGION:
            return _non_geo_plan(self.country_code)
        return _region_plan(self.region)


def e164(number: str, region: str | None) -> str | None:
    """What ``phonenumbers`` answers for ``number`` read in ``region``: its E.164 form when
    ``parse`` accepts it and ``is_valid_number`` holds, else None.

    Fast for ``+`` and digits or digits alone (see :func:`fast_e164`); anything else is handed
    to ``phonenumbers``.
    """
    try:
        return fast_e164(number, region)
    except UnmodelledError:
        return e164_by_phonenumbers(number, region)


def e164_by_phonenumbers(number: str, region: str | None) -> str | None:
    """The reference: ``parse`` + ``is_valid_number`` + ``format_number(E164)``."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def fast_e164(number: str, region: str | None) -> str | None:
    """:func:`e164` read from compiled metadata, following ``phonenumbers.parse`` step by step.

    Raises :class:`UnmodelledError` for inputs it does not cover (not ``+``/digits of 3-17
    digits; a ``+`` with no known calling code and a default region; metadata shapes
    phonenumbers itself would fail on).
    """
    if _MODELLED_RE.fullmatch(number) is None:
        raise UnmodelledError(number)
    if number[0] == "+":
        country_code, national = _split_country_code(number[1:])
        if country_code == 0:
            if region is None:
                return None  # parse: "Could not interpret numbers after plus-sign"
            raise UnmodelledError(number)  # parse retries the digits as a national number
        plan = _main_plan(country_code)
    else:
        if region not in phonenumbers.SUPPORTED_REGIONS:
            return None  # parse: "Missing or invalid default region"
        split = _split_national(number, _region_plan(region))
        if split is None:
            return None
        country_code, national, plan = split
    if len(national) < _MIN_LENGTH_FOR_NSN:
        return None
    stripped = _strip_national_prefix(national, plan)
    if _length_verdict(len(stripped), plan) not in _KEEP_PREFIX:
        national = stripped
    if not _MIN_LENGTH_FOR_NSN <= len(national) <= _MAX_LENGTH_FOR_NSN:
        return None
    if not _is_valid(country_code, national):
        return None
    return f"+{country_code}{national}"


def _split_country_code(digits: str) -> tuple[int, str]:
    """phonenumbers' ``_extract_country_code``: (calling code, rest), or (0, digits)."""
    if not digits or digits[0] == "0":
        return 0, digits
    for length in range(1, min(len(digits), _MAX_LENGTH_COUNTRY_CODE) + 1):
        code = int(digits[:length])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return code, digits[length:]
    return 0, digits


def _split_national(number: str, plan: _Plan) -> tuple[int, str, _Plan] | None:
    """(calling code, national number, plan to read it with) of digits written in the plan's
    region, or None where parse raises: phonenumbers' ``_maybe_extract_country_code`` with the
    no-code case filled in (then the region's own plan reads the number, not its calling code's
    main region's: "1 613 ..." in CA is read with US metadata, "613 ..." with CA's)."""
    if plan.idd is not None:
        idd = plan.idd.match(number)
        # An international prefix counts only if no 0 follows it: calling codes never start so.
        if idd is not None and number[idd.end() : idd.end() + 1] != "0":
            rest = number[idd.end() :]
            if len(rest) <= _MIN_LENGTH_FOR_NSN:
                return None  # "TOO_SHORT_AFTER_IDD"
            country_code, national = _split_country_code(rest)
            return (country_code, national, _main_plan(country_code)) if country_code else None
    own_code = plan.country_code_text
    if number.startswith(own_code):
        # The region's own calling code written without "+" ("44 20 ..." in GB): dropped when
        # the number only fits the region without it, or is too long with it.
        potential = _strip_national_prefix(number[len(own_code) :], plan)
        if (
            not plan.general_matches(number) and plan.general_matches(potential)
        ) or _length_verdict(len(number), plan) == _TOO_LONG:
            return plan.country_code, potential, _main_plan(plan.country_code)
    return plan.country_code, number, plan


def _strip_national_prefix(number: str, plan: _Plan) -> str:
    """phonenumbers' ``_maybe_strip_national_prefix_carrier_code``, the number only."""
    prefix = plan.national_prefix
    if not number or prefix is None:
        return number
    match = prefix.match(number)
    if match is None:
        return number
    viable = plan.general_matches(number)
    groups = match.groups()
    if plan.transform_rule and not groups:
        raise UnmodelledError(number)  # phonenumbers would index an empty tuple
    if not plan.transform_rule or groups[-1] is None:
        stripped = number[match.end() :]
    else:
        stripped = prefix.sub(plan.transform_rule, number, count=1)
    if viable and not plan.general_matches(stripped):
        return number
    return stripped


def _length_verdict(length: int, plan: _Plan) -> int:
    """phonenumbers' ``_test_number_length`` for the general description."""
    if length in plan.local_lengths:
        return _IS_POSSIBLE_LOCAL_ONLY
    lengths = plan.lengths
    if lengths[0] == length:
        return _IS_POSSIBLE
    if lengths[0] > length:
        return _TOO_SHORT
    if lengths[-1] < length:
        return _TOO_LONG
    return _IS_POSSIBLE if length in lengths[1:] else _INVALID_LENGTH


def _is_valid(country_code: int, national: str) -> bool:
    """phonenumbers' ``is_valid_number``: the region that owns the number (the only one of its
    calling code, or the first whose leading digits or number types fit) knows its type."""
    owner: _Candidate | None = None
    candidates = _owners(country_code)
    if len(candidates) == 1:
        owner = candidates[0]
    else:
        for candidate in candidates:
            if candidate.region is None:
                continue
            if candidate.leading is not None:
                if candidate.leading.match(national) is not None:
                    owner = candidate
                    break
            else:
                plan = candidate.plan()
                if plan is not None and plan.has_known_type(national):
                    return candidate.same_code  # its type is known: valid if the code is its own
    if owner is None or not owner.same_code:
        return False
    owner_plan = owner.plan()
    return owner_plan is not None and owner_plan.has_known_type(national)


@cache
def _owners(country_code: int) -> tuple[_Candidate, ...]:
    """The regions of a calling code in phonenumbers' order, as :func:`_is_valid` reads them."""
    candidates: list[_Candidate] = []
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[country_code]:
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region.upper())
        if metadata is None:
            candidates.append(_Candidate(None, None, country_code, same_code=False))
            continue
        leading = re.compile(metadata.leading_digits) if metadata.leading_digits else None
        if metadata.leading_digits is not None and leading is None:
            raise UnmodelledError(region)  # an empty leading-digits pattern: not in real data
        same_code = region == _NON_GEO_REGION or metadata.country_code == country_code
        candidates.append(_Candidate(leading, region.upper(), country_code, same_code))
    return tuple(candidates)


def _main_plan(country_code: int) -> _Plan:
    """The plan parse reads a number of this calling code with: its main region's."""
    region = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[country_code][0]
    if region == _NON_GEO_REGION:
        return _non_geo_plan(country_code)
    return _region_plan(region)


@cache
def _region_plan(region: str) -> _Plan:
    """The compiled metadata of a supported region."""
    metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
    if metadata is None:
        raise UnmodelledError(region)
    return _plan_of(metadata)


@cache
def _non_geo_plan(country_code: int) -> _Plan:
    """The compiled metadata of a non-geographic calling code (800, 870, 882, ...)."""
    metadata = PhoneMetadata.metadata_for_nongeo_region(country_code, None)
    if metadata is None:
        raise UnmodelledError(country_code)
    return _plan_of(metadata)


def _plan_of(metadata: PhoneMetadata) -> _Plan:
    """Compile what parsing and validation read of ``metadata``."""
    general = metadata.general_desc
    if general is None or not general.possible_length or metadata.country_code is None:
        raise UnmodelledError(metadata.id)  # phonenumbers would fail on it: not in real data
    general_pattern = general.national_number_pattern or ""
    prefix_pattern = metadata.national_prefix_for_parsing or ""
    return _Plan(
        country_code=metadata.country_code,
        country_code_text=str(metadata.country_code),
        idd=re.compile(metadata.international_prefix) if metadata.international_prefix else None,
        general=re.compile(general_pattern) if general_pattern else None,
        lengths=tuple(general.possible_length),
        local_lengths=tuple(general.possible_length_local_only or ()),
        national_prefix=re.compile(prefix_pattern) if prefix_pattern else None,
        transform_rule=metadata.national_prefix_transform_rule or "",
        known_type_by_length=_known_type_patterns(metadata),
    )


def _type_descs(metadata: PhoneMetadata) -> list[PhoneNumberDesc]:
    """The number types ``_number_type_helper`` tries; mobile only when its pattern differs from
    the fixed-line one (otherwise phonenumbers never consults it on its own)."""
    descs = [
        metadata.premium_rate,
        metadata.toll_free,
        metadata.shared_cost,
        metadata.voip,
        metadata.personal_number,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
        metadata.fixed_line,
    ]
    if not metadata.same_mobile_and_fixed_line_pattern:
        descs.append(metadata.mobile)
    return [desc for desc in descs if desc is not None and desc.national_number_pattern]


def _known_type_patterns(metadata: PhoneMetadata) -> dict[int, re.Pattern[str]]:
    """For each length a national number can have, one regex: the general pattern as a
    look-ahead, then the patterns of the types allowing that length as alternatives. A full
    match is exactly "general description and some type match" (an empty list of possible
    lengths allows every length, as in phonenumbers)."""
    general = metadata.general_desc
    if general is None or not general.national_number_pattern:
        return {}
    descs = _type_descs(metadata)
    general_lengths = general.possible_length or range(_MAX_LENGTH_FOR_NSN + 1)
    patterns: dict[int, re.Pattern[str]] = {}
    for length in general_lengths:
        alternatives = [
            f"(?:{desc.national_number_pattern})"
            for desc in descs
            if not desc.possible_length or length in desc.possible_length
        ]
        if alternatives:
            patterns[length] = re.compile(
                f"(?=(?:{general.national_number_pattern})\\Z)(?:{'|'.join(alternatives)})"
            )
    return patterns
