"""Slot renderers and the assembler that turns phrases into text with exact identifier spans.

A slot renders to ``(text, marks, signals)``: ``marks`` give each identifier inside the slot's
text with offsets relative to it, so :func:`assemble` only adds the running offset and the truth
spans are exact by construction (no searching the text afterwards).
"""

from __future__ import annotations

import functools
import itertools
import random
from bisect import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

from threadline.synth.obfuscate import (
    AD_PRICE_FORMATS,
    AGE_FORMATS,
    EMAIL_STYLES,
    INTERNATIONAL_PHONE_STYLES,
    OBFUSCATED_PHONE_STYLES,
    PLAIN_PHONE_STYLES,
    Phone,
    render_email,
    render_phone,
)
from threadline.synth.templates import Phrase
from threadline.synth.vocab import AGE_WORDS_EN, EMOJI, SYLLABLES, USER_WORDS, City
from threadline.synth.wallets import Wallet

T = TypeVar("T")

#: (kind, canonical, obfuscated, style, start, end). An empty canonical marks a look-alike that
#: is not an identifier (a decoy), e.g. a wallet with a bad checksum.
Mark = tuple[str, str, bool, str, int, int]
Rendered = tuple[str, tuple[Mark, ...], tuple[str, ...]]

EMPTY: Final[tuple[Mark, ...]] = ()
NO_SIGNALS: Final[tuple[str, ...]] = ()


def plain(text: str) -> Rendered:
    """A slot without identifiers (name, role, emoji...)."""
    return (text, EMPTY, NO_SIGNALS)


@functools.lru_cache(maxsize=4096)
def name_slot(name: str) -> Rendered:
    """A persona's name: an identifier of kind ``name`` (canonical casefolded, as extracted)."""
    return (name, (("name", name.casefold(), False, "plain", 0, len(name)),), NO_SIGNALS)


def pick(rng: random.Random, items: Sequence[T]) -> T:
    """``rng.choice`` without its Python-level rejection sampling (hot path; bias < 1e-15)."""
    return items[int(rng.random() * len(items))]


def cumulative(weights: Sequence[float]) -> tuple[float, ...]:
    return tuple(itertools.accumulate(weights))


def weighted(rng: random.Random, items: Sequence[str], cum_weights: Sequence[float]) -> str:
    """One of ``items`` by precomputed cumulative weights."""
    return items[bisect(cum_weights, rng.random() * cum_weights[-1])]


# --- phones ------------------------------------------------------------------------------------

#: Plain phone spellings and their relative frequency.
PLAIN_PHONE_WEIGHTS: Final = (25, 25, 15, 10, 10, 5, 5, 5)
_PLAIN_PHONE_CUM: Final = cumulative(PLAIN_PHONE_WEIGHTS)
#: Obfuscated phone spellings and their relative frequency (see OBFUSCATED_PHONE_STYLES).
OBFUSCATED_PHONE_WEIGHTS: Final = (12, 3, 12, 10, 10, 6, 14, 10, 8, 6)
_OBFUSCATED_PHONE_CUM: Final = cumulative(OBFUSCATED_PHONE_WEIGHTS)


def pick_phone_style(
    rng: random.Random, phone: Phone, obfuscate_p: float, spanish: bool, *, abroad: bool = False
) -> str:
    """A style for ``phone``: international numbers, and numbers in ads read in another country
    (``abroad``: a US number in a post for Mexico), are written in international forms only."""
    if phone.calling_code != "+1" or abroad:
        return pick(rng, INTERNATIONAL_PHONE_STYLES)
    if rng.random() < obfuscate_p:
        if spanish and rng.random() < 0.5:
            return "words_es"
        return weighted(rng, OBFUSCATED_PHONE_STYLES, _OBFUSCATED_PHONE_CUM)
    return weighted(rng, PLAIN_PHONE_STYLES, _PLAIN_PHONE_CUM)


#: Phone spellings that draw nothing at random: their rendering is memoised per number.
_FIXED_PHONE_STYLES: Final = frozenset(
    PLAIN_PHONE_STYLES + INTERNATIONAL_PHONE_STYLES + ("words", "words_es", "spaced", "dotted")
)


@functools.lru_cache(maxsize=65_536)
def _fixed_phone(phone: Phone, style: str) -> Rendered:
    written = render_phone(random.Random(0), phone, style)  # these styles never draw
    obfuscated = style not in PLAIN_PHONE_STYLES and style not in INTERNATIONAL_PHONE_STYLES
    return (written, (("phone", phone.e164, obfuscated, style, 0, len(written)),), NO_SIGNALS)


def phone_slot(rng: random.Random, phone: Phone, style: str) -> Rendered:
    if style in _FIXED_PHONE_STYLES:
        return _fixed_phone(phone, style)
    written = render_phone(rng, phone, style)
    return (written, (("phone", phone.e164, True, style, 0, len(written)),), NO_SIGNALS)


# --- ages, places, prices ------------------------------------------------------------------
# Renderings are pure functions of their inputs, memoised (lru_cache) because the same ages,
# cities and amounts recur across millions of posts; the per-post work is one random pick.


@functools.lru_cache(maxsize=1024)
def _age_variants(age: int, spanish: bool) -> tuple[tuple[Rendered, ...], Rendered | None]:
    """(digit spellings, word spelling or None) of a claimed age."""
    signals: tuple[str, ...] = NO_SIGNALS
    if age < 18:
        signals = ("under18_claim",)
    elif age < 20:
        signals = ("young_age",)
    canonical = str(age)

    def rendered(written: str, obfuscated: bool, style: str) -> Rendered:
        return (written, (("age", canonical, obfuscated, style, 0, len(written)),), signals)

    if spanish:
        return (rendered(f"{age} años", False, "spanish"),), None
    digits = tuple(rendered(fmt.format(n=age), False, "digits") for _, fmt in AGE_FORMATS)
    word = AGE_WORDS_EN.get(age)
    return digits, (rendered(word, True, "words") if word else None)


def age_slot(
    rng: random.Random, age: int, *, spanish: bool = False, words_p: float = 0.1
) -> Rendered:
    digits, word = _age_variants(age, spanish)
    if word is not None and rng.random() < words_p:
        return word
    return pick(rng, digits)


@functools.lru_cache(maxsize=256)
def _city_variants(city: City) -> tuple[Rendered, Rendered]:
    """(name only, name and region) of a city."""
    return (
        (city.name, (("place", city.canonical, False, "name", 0, len(city.name)),), NO_SIGNALS),
        (
            city.location,
            (("place", city.canonical, False, "name_region", 0, len(city.location)),),
            NO_SIGNALS,
        ),
    )


def city_slot(rng: random.Random, city: City, with_region_p: float = 0.3) -> Rendered:
    name_only, with_region = _city_variants(city)
    if city.ambiguous or rng.random() < with_region_p:
        return with_region
    return name_only


def price_canonical(amount: int, currency: str, unit: str = "") -> str:
    """``150 USD/hr``: amount, ISO 4217 currency and, when the text states one, the unit."""
    return f"{amount} {currency}/{unit}" if unit else f"{amount} {currency}"


@functools.lru_cache(maxsize=8192)
def _price_variants(amount: int, currency: str) -> tuple[Rendered, ...]:
    out = []
    for fmt, unit in AD_PRICE_FORMATS:
        written = fmt.format(n=amount)
        canonical = price_canonical(amount, currency, unit)
        out.append(
            (written, (("price", canonical, False, "ad_rate", 0, len(written)),), NO_SIGNALS)
        )
    return tuple(out)


def price_slot(rng: random.Random, amount: int, currency: str) -> Rendered:
    """An escort-ad rate (``150 roses/hr``); the currency is the one of the post's country."""
    return pick(rng, _price_variants(amount, currency))


def money_slot(written: str, amount: int, currency: str, style: str, unit: str = "") -> Rendered:
    """A written amount (pay, fee, deposit) whose canonical the caller knows."""
    canonical = price_canonical(amount, currency, unit)
    return (written, (("price", canonical, False, style, 0, len(written)),), NO_SIGNALS)


#: How a monthly amount says its period, in English and in Spanish.
_PER_MONTH_EN: Final = (" per month", " a month", "/month", " monthly")
_PER_MONTH_ES: Final = (" al mes", " al mes", " por mes")


def usd_amount(
    rng: random.Random, amount: int, country: str, spanish: bool, *, monthly: bool = False
) -> Rendered:
    """``amount`` US dollars written so that no region guess is needed outside the US (a bare
    ``$`` or "dollars" would be the region's own currency there); ``monthly`` adds the period."""
    formatted = f"{amount:,}"
    if country == "US":
        options = [f"${formatted}", f"${formatted} USD", f"{amount} dollars"]
        if spanish:
            options = [f"${formatted}", f"${formatted} dólares", f"{formatted} USD"]
    else:
        options = [f"${formatted} USD", f"{formatted} USD", f"US${formatted}"]
    written = pick(rng, options)
    unit = ""
    if monthly:
        written += pick(rng, _PER_MONTH_ES if spanish else _PER_MONTH_EN)
        unit = "month"
    return money_slot(written, amount, "USD", "amount", unit)


# --- handles, payments, emails, urls, wallets -------------------------------------------------

HANDLE_FORMATS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "snapchat": (
        ("sc_colon", "SC: {u}"),
        ("snap_colon", "snap: {u}"),
        ("snapchat_at", "Snapchat @{u}"),
    ),
    "instagram": (
        ("ig_at", "IG @{u}"),
        ("insta_colon", "insta: {u}"),
        ("ig_url", "instagram.com/{u}"),
    ),
    "telegram": (("tme", "t.me/{u}"), ("telegram_at", "Telegram @{u}"), ("tg_colon", "TG: @{u}")),
    "kik": (("kik_me", "kik me {u}"), ("kik_colon", "kik: {u}")),
    "onlyfans": (("of_url", "onlyfans.com/{u}"), ("of_colon", "OF: {u}")),
}


#: What each platform's published rules let a user name hold: the separators besides letters
#: and digits, and the longest length. A name the platform would refuse is not an identifier a
#: real ad could carry (Telegram has no dots; Snapchat stops at 15).
USERNAME_SHAPES: Final[dict[str, tuple[str, int]]] = {
    "telegram": ("_", 32),
    "snapchat": ("_.-", 15),
    "kik": ("_.", 20),
    "instagram": ("_.", 30),
    "onlyfans": ("_.-", 30),
}


def username(rng: random.Random, name: str = "", platform: str = "") -> str:
    """An invented user name: ``sweetmia22``, ``kalo_vi``, ``Candy.Rae``; one ``platform``
    accepts when it is given (its separators; too long loses its digits, then its tail)."""
    roll = rng.random()
    base = name.lower() if name and roll < 0.5 else USER_WORDS[rng.randrange(len(USER_WORDS))]
    tail = "".join(SYLLABLES[rng.randrange(len(SYLLABLES))] for _ in range(rng.randint(1, 2)))
    sep = ("", "_", ".")[rng.randrange(3)]
    digits = str(rng.randint(1, 999)) if rng.random() < 0.6 else ""
    if platform:
        separators, longest = USERNAME_SHAPES[platform]
        sep = sep if not sep or sep in separators else separators[0]
        if len(base + sep + tail + digits) > longest:
            digits = ""
        tail = tail[: max(2, longest - len(base) - len(sep))]
    user = f"{base}{sep}{tail}{digits}"
    if rng.random() < 0.15:
        user = user.capitalize()
    return user


@dataclass(frozen=True, slots=True)
class Handle:
    """A messenger or social account: canonical ``platform:username`` (lowercase)."""

    platform: str
    user: str
    #: For WhatsApp: the number the ``wa.me`` link dials.
    phone: Phone | None = None

    @property
    def canonical(self) -> str:
        if self.phone is not None:
            return f"whatsapp:{self.phone.e164}"
        return f"{self.platform}:{self.user.lower()}"


def handle_slot(rng: random.Random, handle: Handle, style_index: int | None = None) -> Rendered:
    if handle.phone is not None:
        digits = handle.phone.e164[1:]
        written = f"wa.me/{digits}"
        marks: tuple[Mark, ...] = (
            ("handle", handle.canonical, False, "wa_me", 0, len(written)),
            ("phone", handle.phone.e164, False, "wa_me", 6, len(written)),
        )
        return (written, marks, NO_SIGNALS)
    formats = HANDLE_FORMATS[handle.platform]
    style, fmt = formats[rng.randrange(len(formats)) if style_index is None else style_index]
    written = fmt.format(u=handle.user)
    return (written, (("handle", handle.canonical, False, style, 0, len(written)),), NO_SIGNALS)


def whatsapp_slot(rng: random.Random, phone: Phone, *, abroad: bool = False) -> Rendered:
    """``WhatsApp: (212) 555-0123``: a WhatsApp handle (the cue and number) holding a phone."""
    style = (
        pick(rng, INTERNATIONAL_PHONE_STYLES)
        if phone.calling_code != "+1" or abroad
        else weighted(rng, PLAIN_PHONE_STYLES, _PLAIN_PHONE_CUM)
    )
    number = render_phone(rng, phone, style)
    cue = pick(rng, ("WhatsApp: ", "WhatsApp ", "whatsapp "))
    written = cue + number
    marks: tuple[Mark, ...] = (
        ("handle", f"whatsapp:{phone.e164}", False, "whatsapp_cue", 0, len(written)),
        ("phone", phone.e164, False, style, len(cue), len(written)),
    )
    return (written, marks, NO_SIGNALS)


@dataclass(frozen=True, slots=True)
class PaymentTag:
    """A payment account: cashapp/venmo/paypal tag, or zelle to a phone or an email."""

    service: str
    tag: str = ""
    phone: Phone | None = None
    email: str = ""

    @property
    def canonical(self) -> str:
        if self.service == "zelle":
            return "zelle:" + (self.phone.e164 if self.phone is not None else self.email.lower())
        return f"{self.service}:{self.tag.lower()}"


PAYMENT_FORMATS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "cashapp": (
        ("cashapp", "cashapp ${t}"),
        ("cash_app_colon", "Cash App: ${t}"),
        ("cashapp_camel", "CashApp ${t}"),
    ),
    "venmo": (("venmo_at", "venmo @{t}"), ("venmo_colon", "Venmo: @{t}")),
    "paypal": (("paypal_me", "paypal.me/{t}"), ("paypal_me_caps", "PayPal.Me/{t}")),
}


def payment_slot(rng: random.Random, payment: PaymentTag) -> Rendered:
    if payment.service == "zelle":
        if payment.phone is not None:
            style = ("dash", "compact", "paren")[rng.randrange(3)]
            number = render_phone(rng, payment.phone, style)
            written = f"zelle {number}" if rng.random() < 0.5 else f"Zelle: {number}"
            # The number is a phone identifier of its own, as in a wa.me link: the same phone
            # written elsewhere links the posts.
            nested: Mark = (
                "phone",
                payment.phone.e164,
                False,
                "zelle_phone",
                len(written) - len(number),
                len(written),
            )
            style = "zelle_phone"
        else:
            written, style = f"Zelle {payment.email}", "zelle_email"
            nested = (
                "email",
                payment.email.lower(),
                False,
                "zelle_email",
                len("Zelle "),
                len(written),
            )
        return (
            written,
            (("payment", payment.canonical, False, style, 0, len(written)), nested),
            NO_SIGNALS,
        )
    formats = PAYMENT_FORMATS[payment.service]
    style, fmt = formats[rng.randrange(len(formats))]
    written = fmt.format(t=payment.tag)
    return (written, (("payment", payment.canonical, False, style, 0, len(written)),), NO_SIGNALS)


@dataclass(frozen=True, slots=True)
class Email:
    user: str
    domain: str

    @property
    def canonical(self) -> str:
        return f"{self.user}@{self.domain}".lower()


def email_slot(rng: random.Random, email: Email, obfuscate_p: float) -> Rendered:
    style = "plain"
    if rng.random() < obfuscate_p:
        style = EMAIL_STYLES[1 + rng.randrange(len(EMAIL_STYLES) - 1)]
    written = render_email(email.user, email.domain, style)
    mark = ("email", email.canonical, style != "plain", style, 0, len(written))
    return (written, (mark,), NO_SIGNALS)


@dataclass(frozen=True, slots=True)
class Url:
    """A link: ``host`` and ``path`` as written; canonical is lowercase, no scheme, no www."""

    host: str
    path: str

    @property
    def canonical(self) -> str:
        host = self.host.lower()
        host = host.removeprefix("www.")
        return f"{host}/{self.path}"


def url_slot(rng: random.Random, url: Url) -> Rendered:
    onion = url.host.endswith(".onion")
    prefix = (
        ("http://", "", "https://")[rng.randrange(3)]
        if onion
        else (("https://", "", "http://", "")[rng.randrange(4)])
    )
    written = f"{prefix}{url.host}/{url.path}"
    style = "onion" if onion else ("scheme" if prefix else "bare")
    return (written, (("url", url.canonical, False, style, 0, len(written)),), NO_SIGNALS)


WALLET_LABELS: Final[dict[str, tuple[str, ...]]] = {
    "btc": ("BTC: ", "bitcoin ", "BTC wallet "),
    "eth": ("ETH: ", "USDT (ERC20) ", "eth wallet "),
    "trx": ("USDT TRC20: ", "TRX ", "usdt trc20 "),
    "ltc": ("LTC: ", "litecoin "),
    "xmr": ("XMR: ", "monero "),
}


def wallet_slot(rng: random.Random, wallet: Wallet) -> Rendered:
    labels = WALLET_LABELS[wallet.chain]
    label = labels[rng.randrange(len(labels))]
    written = label + wallet.address
    start = len(label)
    if wallet.valid:
        mark: Mark = (
            "crypto",
            wallet.canonical,
            False,
            f"{wallet.chain}_{wallet.variant}",
            start,
            len(written),
        )
    else:
        mark = ("crypto", "", False, f"{wallet.chain}_bad_checksum", start, len(written))
    return (written, (mark,), ("crypto_payment",))


def emoji(rng: random.Random) -> str:
    first = pick(rng, EMOJI)
    if rng.random() < 0.3:
        return first + pick(rng, EMOJI)
    return first


# --- assembly ----------------------------------------------------------------------------------

Renderer = Callable[[str], Rendered]


@dataclass(frozen=True, slots=True)
class Compiled:
    """Blocks joined ahead of time: literal runs between slots, so that filling a post costs
    one step per slot instead of one per sentence."""

    literals: tuple[str, ...]
    lengths: tuple[int, ...]
    slots: tuple[str, ...]
    signals: tuple[str, ...]


def compile_blocks(blocks: Sequence[Phrase], sep: str = " ") -> Compiled:
    """Join ``blocks`` with ``sep`` into literal runs around their slots."""
    literals: list[str] = []
    slots: list[str] = []
    signals: list[str] = []
    run: list[str] = []
    for index, block in enumerate(blocks):
        if index:
            run.append(sep)
        parts = block.parts
        run.append(parts[0])
        for j in range(1, len(parts), 2):
            literals.append("".join(run))
            slots.append(parts[j])
            run = [parts[j + 1]]
        signals.extend(block.signals)
    literals.append("".join(run))
    return Compiled(tuple(literals), tuple(map(len, literals)), tuple(slots), tuple(signals))


def fill(compiled: Compiled, render: Renderer) -> tuple[str, list[Mark], list[str]]:
    """The text of ``compiled`` with its slots rendered; marks get absolute offsets."""
    literals = compiled.literals
    lengths = compiled.lengths
    pieces = [literals[0]]
    append = pieces.append
    pos = lengths[0]
    marks: list[Mark] = []
    signals = list(compiled.signals)
    index = 1
    for slot in compiled.slots:
        text, slot_marks, slot_signals = render(slot)
        for kind, canonical, obfuscated, style, start, end in slot_marks:
            marks.append((kind, canonical, obfuscated, style, start + pos, end + pos))
        if slot_signals:
            signals.extend(slot_signals)
        append(text)
        append(literals[index])
        pos += len(text) + lengths[index]
        index += 1
    return "".join(pieces), marks, signals


def assemble(
    blocks: Sequence[Phrase], render: Renderer, sep: str = " "
) -> tuple[str, list[Mark], list[str]]:
    """Join ``blocks`` with ``sep`` (filling slots with ``render``); marks get absolute offsets.

    One pass, one string per block; block offsets are computed once at the end (a C-level
    accumulate) and only when some slot carried a mark. For blocks that never change, compile
    them once with :func:`compile_blocks` and use :func:`fill` instead.
    """
    out: list[str] = []
    append = out.append
    #: (block index, offset of the slot inside its block, the slot's marks)
    pending: list[tuple[int, int, tuple[Mark, ...]]] = []
    signals: list[str] = []
    for block in blocks:
        literal = block.literal
        if literal is not None:
            append(literal)
        else:
            parts = block.parts
            text, slot_marks, slot_signals = render(parts[1])
            if slot_marks:
                pending.append((len(out), len(parts[0]), slot_marks))
            if slot_signals:
                signals.extend(slot_signals)
            if len(parts) == 3:
                append(parts[0] + text + parts[2])
            else:
                pieces = [parts[0], text, parts[2]]
                pos = len(parts[0]) + len(text) + len(parts[2])
                for j in range(3, len(parts), 2):
                    text, slot_marks, slot_signals = render(parts[j])
                    if slot_marks:
                        pending.append((len(out), pos, slot_marks))
                    if slot_signals:
                        signals.extend(slot_signals)
                    pieces.append(text)
                    pieces.append(parts[j + 1])
                    pos += len(text) + len(parts[j + 1])
                append("".join(pieces))
        if block.signals:
            signals.extend(block.signals)
    marks: list[Mark] = []
    if pending:
        step = len(sep)
        starts = [0, *itertools.accumulate(map(len, out))]
        for index, inner, slot_marks in pending:
            base = starts[index] + index * step + inner
            for kind, canonical, obfuscated, style, start, end in slot_marks:
                marks.append((kind, canonical, obfuscated, style, start + base, end + base))
    return sep.join(out), marks, signals


def with_typo(rng: random.Random, block: Phrase) -> Phrase:
    """``block`` with two adjacent letters of one literal word swapped (a human typo)."""
    literals = [i for i in range(0, len(block.parts), 2) if len(block.parts[i]) >= 6]
    if not literals:
        return block
    i = literals[rng.randrange(len(literals))]
    text = block.parts[i]
    for _ in range(4):
        k = rng.randrange(len(text) - 1)
        a, b = text[k], text[k + 1]
        if a.isalpha() and b.isalpha() and a != b:
            text = text[:k] + b + a + text[k + 2 :]
            parts = list(block.parts)
            parts[i] = text
            return Phrase(tuple(parts), block.signals)
    return block
