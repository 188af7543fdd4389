"""Ways ads write an identifier: plain, and obfuscated to slip past naive filters.

Each renderer takes the identifier's parts and a style name and returns the text as written;
the canonical form is computed by the caller from the same parts, so the truth never depends on
parsing what was rendered. The style names are recorded in the truth, which lets an evaluation
report recall per style. ``PLAIN_*`` styles are ordinary spellings (``obfuscated`` false in the
truth); every other style is an obfuscation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from threadline.synth.vocab import (
    AGE_WORDS_EN,
    CIRCLED_DIGITS,
    DIGIT_WORDS_EN,
    DIGIT_WORDS_ES,
    FULLWIDTH_DIGITS,
    KEYCAP_DIGITS,
    SEPARATOR_EMOJI,
)

__all__ = [
    "INTERNATIONAL_PHONE_STYLES",
    "OBFUSCATED_PHONE_STYLES",
    "PLAIN_PHONE_STYLES",
    "Phone",
    "nanp_phone",
    "render_age",
    "render_email",
    "render_phone",
    "render_price",
    "uk_phone",
]


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone number: ``e164`` is the canonical; ``groups`` its national digit groups."""

    e164: str
    country: str
    #: Country calling code with its plus: "+1", "+44".
    calling_code: str
    #: Digit groups as written nationally: ("212", "555", "0123") or ("020", "7946", "0123").
    groups: tuple[str, ...]

    @property
    def digits(self) -> str:
        return "".join(self.groups)


def nanp_phone(area_code: int, line: int, country: str = "US") -> Phone:
    """``+1 NPA 555 01XX``: the fictional lines (0-99) of a North American area code."""
    groups = (str(area_code), "555", f"01{line:02d}")
    return Phone("+1" + "".join(groups), country, "+1", groups)


def uk_phone(prefix: str, line: int) -> Phone:
    """A UK drama number: ``prefix`` from :data:`vocab.UK_DRAMA_RANGES`, ``line`` 0-999."""
    last = f"{line:04d}"
    if prefix.startswith("20"):  # London: 020 7946 0xxx
        groups = ("0" + prefix[:2], prefix[2:], last)
    else:  # 0113 496 0xxx
        groups = ("0" + prefix[:3], prefix[3:], last)
    return Phone("+44" + prefix + last, "GB", "+44", groups)


#: Styles a non-NANP number is written in: international forms only, so that no region has to
#: be guessed to read it.
INTERNATIONAL_PHONE_STYLES: Final[tuple[str, ...]] = ("intl", "e164", "intl_dash")

PLAIN_PHONE_STYLES: Final[tuple[str, ...]] = (
    "paren",
    "dash",
    "dot",
    "compact",
    "space",
    "intl",
    "e164",
    "one_dash",
)
OBFUSCATED_PHONE_STYLES: Final[tuple[str, ...]] = (
    "words",
    "words_es",
    "mixed",
    "letters",
    "spaced",
    "dotted",
    "emoji_sep",
    "keycap",
    "fullwidth",
    "circled",
)
_LETTER_FOR: Final[dict[str, tuple[str, ...]]] = {"0": ("O", "o"), "1": ("l", "I")}


def _words(digits: str, words: tuple[str, ...]) -> str:
    return " ".join(words[int(d)] for d in digits)


def _mixed_group(rng: random.Random, group: str) -> str:
    """One digit group with digits, words and letter look-alikes glued: ``o1two3``, ``5five5``."""
    out: list[str] = []
    for d in group:
        roll = rng.random()
        if roll < 0.4:
            out.append(DIGIT_WORDS_EN[int(d)])
        elif roll < 0.55 and d in _LETTER_FOR:
            out.append("o" if d == "0" else "l")  # lowercase look-alikes only: never "i"
        else:
            out.append(d)
    return "".join(out)


def render_phone(rng: random.Random, phone: Phone, style: str) -> str:
    """``phone`` written in ``style`` (one of the PLAIN/OBFUSCATED phone styles)."""
    g = phone.groups
    digits = phone.digits
    nanp = phone.calling_code == "+1"
    cc = phone.calling_code
    if style == "paren":
        return f"({g[0]}) {g[1]}-{g[2]}" if nanp else f"({g[0]}) {g[1]} {g[2]}"
    if style == "dash":
        return "-".join(g)
    if style == "dot":
        return ".".join(g)
    if style == "compact":
        return digits
    if style == "space":
        return " ".join(g)
    if style == "intl":
        if nanp:
            return f"{cc} {g[0]} {g[1]} {g[2]}"
        return f"{cc} {g[0][1:]} {g[1]} {g[2]}"
    if style == "e164":
        return phone.e164
    if style == "one_dash":
        return f"1-{g[0]}-{g[1]}-{g[2]}"
    if style == "intl_dash":
        return f"{cc}-{g[0][1:] if not nanp else g[0]}-{g[1]}-{g[2]}"
    if style == "words":
        return _words(digits, DIGIT_WORDS_EN)
    if style == "words_es":
        return _words(digits, DIGIT_WORDS_ES)
    if style == "mixed":
        while True:
            groups = [g_ if rng.random() < 0.3 else _mixed_group(rng, g_) for g_ in g]
            written = " ".join(groups)
            if not written.replace(" ", "").isdigit():
                return written
    if style == "letters":
        swapped = [
            "".join(_LETTER_FOR[d][rng.randrange(2)] if d in _LETTER_FOR else d for d in g_)
            for g_ in g
        ]
        return "-".join(swapped) if rng.random() < 0.5 else " ".join(swapped)
    if style == "spaced":
        return " ".join(digits)
    if style == "dotted":
        return ".".join(digits)
    if style == "emoji_sep":
        emoji = SEPARATOR_EMOJI[rng.randrange(len(SEPARATOR_EMOJI))]
        return emoji.join(g) if rng.random() < 0.6 else f" {emoji} ".join(g)
    if style == "keycap":
        keyed = ["".join(KEYCAP_DIGITS[int(d)] for d in g_) for g_ in g]
        return " ".join(keyed) if rng.random() < 0.5 else "".join(keyed)
    if style == "fullwidth":
        wide = ["".join(FULLWIDTH_DIGITS[int(d)] for d in g_) for g_ in g]
        return f"({wide[0]}) {wide[1]}-{wide[2]}" if rng.random() < 0.5 else "".join(wide)
    if style == "circled":
        circled = ["".join(CIRCLED_DIGITS[int(d)] for d in g_) for g_ in g]
        return "-".join(circled) if rng.random() < 0.5 else "".join(circled)
    raise ValueError(f"unknown phone style {style!r}")


EMAIL_STYLES: Final[tuple[str, ...]] = ("plain", "at_dot", "paren", "bracket")


def render_email(user: str, domain: str, style: str) -> str:
    """``user@domain`` in ``style``: ``plain`` or spelled with (at)/(dot) in three ways."""
    if style == "plain":
        return f"{user}@{domain}"
    if style == "at_dot":
        return f"{user} at {domain.replace('.', ' dot ')}"
    if style == "paren":
        return f"{user}(at){domain.replace('.', '(dot)')}"
    if style == "bracket":
        return f"{user} [at] {domain.replace('.', ' [dot] ')}"
    raise ValueError(f"unknown email style {style!r}")


#: Age as written: (style, format). ``{n}`` is the number; the word style spells it out.
AGE_FORMATS: Final[tuple[tuple[str, str], ...]] = (
    ("yo", "{n}yo"),
    ("yo_space", "{n} yo"),
    ("y_o", "{n} y/o"),
    ("yrs_young", "{n} yrs young"),
    ("age", "age {n}"),
    ("years_old", "{n} years old"),
)


def render_age(rng: random.Random, age: int, *, spanish: bool = False, words: bool = False) -> str:
    """An age claim as written: ``19yo``, ``age 19``, ``nineteen``, ``19 años``."""
    if spanish:
        return f"{age} años"
    if words and age in AGE_WORDS_EN:
        return AGE_WORDS_EN[age]
    return AGE_FORMATS[int(rng.random() * len(AGE_FORMATS))][1].format(n=age)


#: Escort-ad price spellings: ``{n}`` is the amount; the second item is the unit the spelling
#: states (``hr``, ``hh`` half hour, ``qv`` quick visit), empty when it states none.
AD_PRICE_FORMATS: Final[tuple[tuple[str, str], ...]] = (
    ("{n} roses/hr", "hr"),
    ("${n}hh", "hh"),
    ("${n}/hr", "hr"),
    ("{n}hh", "hh"),
    ("${n} hr", "hr"),
    ("{n} roses", ""),
    ("${n} qv", "qv"),
    ("${n}", ""),
    ("{n} donation", ""),
)


def render_price(rng: random.Random, amount: int) -> tuple[str, str]:
    """An ad rate as written (``150 roses/hr``, ``$200hh``) and the unit it states."""
    fmt, unit = AD_PRICE_FORMATS[int(rng.random() * len(AD_PRICE_FORMATS))]
    return fmt.format(n=amount), unit
