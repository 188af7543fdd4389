"""The synthetic world: actors that post ads over time, and the stream of posts with their truth.

Five kinds of actor write the corpus (docs/synth.md has the distributions):

- **networks**: a controller runs several personas that share a few phones and payment tags,
  writes from one to three templates with small edits, and moves the personas around a circuit
  of cities a few days at a time;
- **scam blasts**: one text posted many times across cities with a "verify" link and a deposit
  demand, fake names, rarely a phone;
- **independents**: one person, her own phone and wording, reposting her ad as is or nearly;
- **job lures** and **genuine job posts**, some in Spanish.

The plan (how many actors, how many posts each, when) is drawn first from the master
``random.Random(seed)``; each actor then draws from its own ``Random`` seeded from the plan, and
posts are merged in time order with a heap, so the output depends on the seed only and memory
holds the actors active at one time, not the corpus.
"""

from __future__ import annotations

import abc
import functools
import heapq
import itertools
import random
import time
from bisect import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from threadline.synth.obfuscate import Phone, nanp_phone, uk_phone
from threadline.synth.render import (
    Compiled,
    Email,
    Handle,
    Mark,
    PaymentTag,
    Rendered,
    Url,
    age_slot,
    assemble,
    city_slot,
    compile_blocks,
    email_slot,
    emoji,
    fill,
    handle_slot,
    money_slot,
    name_slot,
    payment_slot,
    phone_slot,
    pick,
    pick_phone_style,
    plain,
    price_slot,
    url_slot,
    usd_amount,
    username,
    wallet_slot,
    whatsapp_slot,
    with_typo,
)
from threadline.synth.templates import (
    AGENCY_FIRST,
    AGENCY_KINDS_EN,
    AGENCY_KINDS_ES,
    AGENCY_SECOND,
    GENUINE_ORDER,
    GENUINE_ROLES_EN,
    GENUINE_ROLES_ES,
    GENUINE_SECTIONS_EN,
    GENUINE_SECTIONS_ES,
    GENUINE_TITLES_EN,
    GENUINE_TITLES_ES,
    GIFT_CARDS,
    INDEPENDENT_ADJECTIVES,
    INDEPENDENT_AGE,
    INDEPENDENT_AVAILABILITY,
    INDEPENDENT_BOILERPLATE,
    INDEPENDENT_CLOSINGS,
    INDEPENDENT_CONTACT,
    INDEPENDENT_DEPOSIT,
    INDEPENDENT_EMAIL,
    INDEPENDENT_FEATURES,
    INDEPENDENT_GREETINGS,
    INDEPENDENT_HANDLE,
    INDEPENDENT_KINDS,
    INDEPENDENT_LOOKS,
    INDEPENDENT_PERSONALITY,
    INDEPENDENT_RATES,
    INDEPENDENT_REPOST_LINES,
    INDEPENDENT_SELF,
    INDEPENDENT_TITLES,
    INDEPENDENT_VISIT,
    JOB_ABOUT_KINDS_EN,
    JOB_ABOUT_KINDS_ES,
    JOB_CLOSINGS_EN,
    JOB_CLOSINGS_ES,
    JOB_DUTIES_EN,
    JOB_DUTIES_ES,
    JOB_MISSIONS_EN,
    JOB_MISSIONS_ES,
    LURE_ORDER,
    LURE_ROLES_EN,
    LURE_ROLES_ES,
    LURE_SECTIONS_EN,
    LURE_SECTIONS_ES,
    LURE_TITLES_EN,
    LURE_TITLES_ES,
    NETWORK_CORE,
    NETWORK_SECTIONS,
    NETWORK_TITLES,
    RECRUITER_TAILS_EN,
    RECRUITER_TAILS_ES,
    SCAM_SECTIONS,
    SCAM_TITLES,
    VOICE_ADJECTIVES,
    VOICE_NOUNS,
    VOICE_TAGLINES,
    VOICE_TAILS,
    Phrase,
    agency_signature,
    employer_about,
    employer_duties,
    phrase,
    signed_with,
    with_tail,
)
from threadline.synth.vocab import (
    CA_AREA_CODES,
    CA_CITIES,
    COMPANY_FIRST,
    COMPANY_KIND,
    COMPANY_REGION,
    COMPANY_SECOND,
    EMAIL_DOMAINS,
    FEMALE_NAMES,
    JOB_SITES,
    MX_CITIES,
    NANP_AREA_CODES,
    SITES,
    SYLLABLES,
    UK_DRAMA_PREFIXES,
    US_CITIES,
    City,
)
from threadline.synth.wallets import Chain, Wallet, make_lookalike, make_wallet

__all__ = [
    "CATEGORIES",
    "DEFAULT_MIX",
    "CampaignTruth",
    "CorpusGenerator",
    "Decoy",
    "NetworkTruth",
    "PostTruth",
    "SynthConfig",
    "TruthIdentifier",
    "generate",
]

CATEGORIES: Final = ("network", "scam", "independent", "job_lure", "job_genuine")

#: Default share of posts per category (sums to 1).
DEFAULT_MIX: Final[dict[str, float]] = {
    "network": 0.30,
    "scam": 0.08,
    "independent": 0.47,
    "job_lure": 0.06,
    "job_genuine": 0.09,
}

DAY: Final = 86_400.0

#: Probability that a phone is written obfuscated, per category (per post for networks, scams
#: and job lures; per ad version for independents, whose reposts keep their spelling).
PHONE_OBFUSCATION: Final[dict[str, float]] = {
    "network": 0.45,
    "scam": 0.30,
    "independent": 0.20,
    "job_lure": 0.0,  # lures write their number after a WhatsApp cue, plainly
    "job_genuine": 0.0,
}
#: Probability that an email is written with at/dot spelled out (ads; job posts never).
EMAIL_OBFUSCATION: Final = 0.5
#: Share of wallet-using networks and scam campaigns that sometimes mistype their wallet, and
#: the share of their posts that carry the mistyped look-alike (a decoy in the truth).
LOOKALIKE_ACTORS: Final = 0.5
LOOKALIKE_POSTS: Final = 0.3
#: Probability that an age is written as a word (``nineteen``).
AGE_WORDS: Final = 0.1

_HISPANIC_US: Final = (
    "Houston",
    "Los Angeles",
    "San Antonio",
    "El Paso",
    "Phoenix",
    "Miami",
    "Chicago",
    "Dallas",
    "San Diego",
    "Tucson",
    "Albuquerque",
)
_WALLET_CHAINS: Final[tuple[Chain, ...]] = ("btc", "eth", "trx", "ltc", "xmr")
_WALLET_WEIGHTS: Final = (40, 20, 20, 10, 10)
_CURRENCY: Final[dict[str, str]] = {"US": "USD", "CA": "CAD", "MX": "MXN"}


@dataclass(frozen=True, slots=True)
class SynthConfig:
    """What the corpus looks like: the category mix and the time window."""

    mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    #: First day of the window, as a UTC epoch second (2025-01-06T00:00:00Z).
    start_epoch: int = 1_736_121_600
    days: int = 120

    def __post_init__(self) -> None:
        if sorted(self.mix) != sorted(CATEGORIES):
            raise ValueError(f"mix must name exactly the categories {CATEGORIES}")
        if any(share < 0 for share in self.mix.values()) or sum(self.mix.values()) <= 0:
            raise ValueError("mix shares must be non-negative and not all zero")
        if not 7 <= self.days <= 3650:
            raise ValueError("days must be between 7 and 3650")


# --- truth records -----------------------------------------------------------------------------


class TruthIdentifier(NamedTuple):
    """An identifier planted in a post: where it is and its canonical form (DESIGN.md).

    A tuple, so that a million posts' truth stays compact: the truth file writes it as an array
    in this field order. ``text[start:end]`` of the post's ``field`` is the value as written.
    """

    kind: str
    canonical: str
    field: str
    start: int
    end: int
    obfuscated: bool
    style: str


class Decoy(NamedTuple):
    """A look-alike that is NOT an identifier (a wallet with a bad checksum)."""

    kind: str
    field: str
    start: int
    end: int
    looks_like: str
    reason: str


@dataclass(frozen=True, slots=True)
class PostTruth:
    """What a post really is: its category, actor, template and planted identifiers."""

    id: str
    category: str
    #: The actor that wrote it: network, scam campaign, independent, recruiter or employer id.
    actor: str
    #: Network id for ``network`` posts, else None.
    network: str | None
    #: Persona id (a network persona or an independent), else None.
    persona: str | None
    #: Posts from one template (with slots and small edits) share this id.
    template: str
    #: Canonical place of the post (``Houston, TX, US``).
    city: str
    language: str
    #: original, edited (network/lure), exact_repost, near_repost, rewrite, blast.
    variant: str
    identifiers: tuple[TruthIdentifier, ...]
    decoys: tuple[Decoy, ...]
    signals: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PersonaTruth:
    id: str
    name: str
    age: int
    phone: str
    author: str
    handle: str | None


@dataclass(frozen=True, slots=True)
class StayTruth:
    city: str
    arrive: str
    leave: str


@dataclass(frozen=True, slots=True)
class NetworkTruth:
    """One organised network: personas, shared contacts, templates and its city circuit."""

    id: str
    personas: tuple[PersonaTruth, ...]
    phones: tuple[str, ...]
    payments: tuple[str, ...]
    wallets: tuple[str, ...]
    emails: tuple[str, ...]
    handles: tuple[str, ...]
    templates: tuple[str, ...]
    circuit: tuple[StayTruth, ...]
    post_count: int


@dataclass(frozen=True, slots=True)
class CampaignTruth:
    """A scam campaign or a job-lure recruiter: the identifiers all its posts share."""

    id: str
    category: str
    template: str
    identifiers: tuple[str, ...]
    cities: tuple[str, ...]
    post_count: int


# --- shared state of one generation run ------------------------------------------------------


_CA_CODES: Final = frozenset(CA_AREA_CODES)


class PhoneBook:
    """Hands out distinct fictional numbers: NPA-555-01XX lines, then UK drama numbers.

    Numbers are unique until the pool (415 area codes x 100 lines) runs out; after that they are
    reused and counted in ``reused`` (reported in the corpus summary).
    """

    def __init__(self, rng: random.Random) -> None:
        self._used: dict[int, int] = {}
        order = list(NANP_AREA_CODES)
        rng.shuffle(order)
        self._fallback = order
        self._fallback_pos = 0
        self._uk_used = 0
        self.issued = 0
        self.reused = 0

    def _take(self, area_code: int) -> Phone:
        used = self._used.get(area_code, 0)
        self._used[area_code] = used + 1
        self.issued += 1
        line = (used * 37 + area_code) % 100  # 37 is prime to 100: a permutation of lines
        return nanp_phone(area_code, line, "CA" if area_code in _CA_CODES else "US")

    def nanp(self, preferred: Sequence[int]) -> Phone:
        """A fresh number, in one of ``preferred`` area codes when any has lines left."""
        for area_code in preferred:
            if self._used.get(area_code, 0) < 100:
                return self._take(area_code)
        while self._fallback_pos < len(self._fallback):
            area_code = self._fallback[self._fallback_pos]
            if self._used.get(area_code, 0) < 100:
                return self._take(area_code)
            self._fallback_pos += 1
        self.reused += 1
        area_code = self._fallback[self.reused % len(self._fallback)]
        return nanp_phone(
            area_code,
            (self.reused // len(self._fallback)) % 100,
            "CA" if area_code in _CA_CODES else "US",
        )

    def uk(self) -> Phone:
        index = self._uk_used
        self._uk_used += 1
        self.issued += 1
        prefix = UK_DRAMA_PREFIXES[(index // 1000) % len(UK_DRAMA_PREFIXES)]
        if index >= 1000 * len(UK_DRAMA_PREFIXES):
            self.reused += 1
        return uk_phone(prefix, (index * 7) % 1000)


@functools.lru_cache(maxsize=8192)
def _date_prefix(day: int) -> str:
    return time.strftime("%Y-%m-%dT", time.gmtime(day * 86_400))


def _iso(epoch: float) -> str:
    """ISO-8601 UTC; the date part is memoised because strftime is slow on this hot path."""
    day, rest = divmod(int(epoch), 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{_date_prefix(day)}{hours:02d}:{minutes:02d}:{secs:02d}Z"


def _hexid(rng: random.Random, prefix: str) -> str:
    return f"{prefix}{rng.getrandbits(40):010x}"


def _tag(rng: random.Random, name: str) -> str:
    base = name.lower() if name else pick(rng, SYLLABLES)
    tail = "".join(pick(rng, SYLLABLES) for _ in range(2))
    return f"{base}{tail}{rng.randint(1, 99)}"


def _email(rng: random.Random, name: str) -> Email:
    user = username(rng, name).replace(".", "_")
    return Email(user, pick(rng, EMAIL_DOMAINS))


def _payment(rng: random.Random, name: str, book: PhoneBook, phone: Phone | None) -> PaymentTag:
    service = rng.choices(("cashapp", "venmo", "paypal", "zelle"), (50, 20, 15, 15))[0]
    if service == "zelle":
        # Zelle to a phone only: Zelle to an email would also be an email identifier, and
        # which of the two an overlap keeps is the extraction facade's choice, not the truth's.
        return PaymentTag("zelle", phone=phone if phone is not None else book.nanp(()))
    tag = _tag(rng, name)
    if rng.random() < 0.3:
        tag = tag.capitalize()
    return PaymentTag(service, tag=tag)


def _wallet(rng: random.Random) -> Wallet:
    chain = rng.choices(_WALLET_CHAINS, _WALLET_WEIGHTS)[0]
    return make_wallet(rng, chain)


def _verify_url(rng: random.Random) -> Url:
    if rng.random() < 0.12:  # a hidden service
        host = "".join(pick(rng, "abcdefghijklmnopqrstuvwxyz234567") for _ in range(56)) + ".onion"
        return Url(host, "".join(pick(rng, "abcdefghijkmnpqrstuvwxyz") for _ in range(6)))
    first = pick(rng, ("Verify", "Safe", "Secure", "Screen", "Trust", "Real", "Date", "Meet"))
    second = pick(rng, ("Me", "Now", "4U", "Zone", "Club", "Hub", "Pass", "Check", "Safe"))
    joiner = pick(rng, ("-", ""))
    tld = pick(rng, ("com", "net", "xyz", "info", "site", "online", "top"))
    host = f"{first}{joiner}{second}.{tld}"
    if rng.random() < 0.5:
        host = host.lower()
    if rng.random() < 0.4:
        host = "www." + host
    path = (
        pick(rng, ("x", "id", "v", "go", "check", "u"))
        + "/"
        + "".join(pick(rng, "abcdefghijkmnpqrstuvwxyz23456789") for _ in range(rng.randint(4, 7)))
    )
    return Url(host, path)


def _pick(rng: random.Random, pool: Sequence[Phrase]) -> Phrase:
    return pick(rng, pool)


def _identifiers(
    title_marks: list[Mark], text_marks: list[Mark]
) -> tuple[tuple[TruthIdentifier, ...], tuple[Decoy, ...]]:
    found: list[TruthIdentifier] = []
    decoys: list[Decoy] = []
    for field_name, marks in (("title", title_marks), ("text", text_marks)):
        for kind, canonical, obfuscated, style, start, end in marks:
            if canonical:
                found.append(
                    TruthIdentifier(kind, canonical, field_name, start, end, obfuscated, style)
                )
            else:
                decoys.append(
                    Decoy(kind, field_name, start, end, style.split("_", 1)[0], "bad_checksum")
                )
    return tuple(found), tuple(decoys)


@dataclass(slots=True)
class _Spec:
    start: float
    end: float
    count: int
    category: str
    ordinal: int
    seed: int


class _Actor(abc.ABC):
    """One author of posts; subclasses write the text. Times are spread evenly over its span."""

    category: str = ""

    def __init__(self, spec: _Spec, run: _Run) -> None:
        self.rng = random.Random(spec.seed)
        self.spec = spec
        self.run = run
        self.emitted = 0
        self._step = (spec.end - spec.start) / spec.count

    def next_time(self) -> float:
        return self.spec.start + (self.emitted + 0.05 + 0.9 * self.rng.random()) * self._step

    @property
    def done(self) -> bool:
        return self.emitted >= self.spec.count

    @abc.abstractmethod
    def emit(self, post_id: str, when: float) -> tuple[dict[str, str], PostTruth]:
        """The record of post ``post_id`` at ``when`` and its ground truth."""

    def finish(self) -> None:  # noqa: B027 - an optional hook, a no-op by default
        """Called once after the last post (actors with a summary record it here)."""

    def _record(
        self,
        post_id: str,
        title: str,
        text: str,
        when: float,
        site: str,
        city: City,
        author: str,
    ) -> dict[str, str]:
        return {
            "id": post_id,
            "title": title,
            "text": text,
            "posted_at": _iso(self.run.config.start_epoch + when),
            "site": site,
            "url": f"https://{site}.example/{city.slug}/{post_id}",
            "location": city.location,
            "author": author,
        }


@dataclass(frozen=True, slots=True)
class _Persona:
    id: str
    name: str
    age: int
    phone: Phone
    author: str
    handle: Handle | None


#: Emoji a controller drops between sentences (drawn per post through its slot).
_EMOJI_BLOCK: Final = Phrase(("", "inserted_emoji", ""))


@dataclass(frozen=True, slots=True)
class _NetTemplate:
    id: str
    titles: tuple[Phrase, ...]
    #: Per section, the phrasings the controller alternates between (first most often).
    sections: tuple[tuple[str, tuple[Phrase, ...]], ...]
    sep: str


class _Network(_Actor):
    category = "network"

    def __init__(self, spec: _Spec, run: _Run) -> None:
        super().__init__(spec, run)
        rng = self.rng
        self.id = f"net-{spec.ordinal:04d}"
        home = pick(rng, US_CITIES)
        others = [c for c in US_CITIES if c is not home]
        size = rng.randint(2, 6)
        circuit = [home, *rng.sample(others, size - 1)]
        if rng.random() < 0.1:
            circuit.append(pick(rng, CA_CITIES))
        self.stays: list[tuple[float, City]] = []
        t = spec.start
        i = 0
        while t < spec.end:
            self.stays.append((t, circuit[i % len(circuit)]))
            t += rng.uniform(2.0, 5.0) * DAY
            i += 1
        if len(self.stays) == 1:  # always visit at least two cities
            self.stays.append(((spec.start + spec.end) / 2, circuit[1]))
        n_phones = rng.choices((1, 2, 3), (50, 35, 15))[0]
        self.phones = [run.book.nanp(home.area_codes) for _ in range(n_phones)]
        n_personas = rng.randint(max(3, n_phones + 1), 8)
        names = rng.sample(FEMALE_NAMES, n_personas)
        personas = []
        for k, name in enumerate(names):
            roll = rng.random()
            age = (
                rng.randint(16, 17)
                if roll < 0.06
                else (rng.randint(18, 19) if roll < 0.46 else rng.randint(20, 23))
            )
            phone = self.phones[k % n_phones] if k < n_phones else pick(rng, self.phones)
            handle = None
            if rng.random() < 0.35:
                platform = pick(rng, ("snapchat", "instagram", "kik", "telegram", "onlyfans"))
                handle = Handle(platform, username(rng, name, platform))
            personas.append(
                _Persona(f"{self.id}-p{k + 1}", name, age, phone, _hexid(rng, "u"), handle)
            )
        self.personas = personas
        self.persona_cum = list(itertools.accumulate(rng.uniform(0.5, 2.0) for _ in personas))
        self.payment = (
            _payment(rng, names[0], run.book, self.phones[0]) if rng.random() < 0.55 else None
        )
        self.wallet = _wallet(rng) if rng.random() < 0.3 else None
        self.lookalike = (
            make_lookalike(rng, self.wallet)
            if self.wallet is not None and rng.random() < LOOKALIKE_ACTORS
            else None
        )
        self.email = _email(rng, "") if rng.random() < 0.15 else None
        self.base_price = rng.randrange(150, 320, 10)
        self.deposit = pick(rng, (20, 30, 40, 50, 60, 100))
        self.templates = [
            self._template(j + 1) for j in range(rng.choices((1, 2, 3), (45, 35, 20))[0])
        ]
        self.typos: dict[Phrase, tuple[Phrase, Phrase]] = {}
        self.template_cum = list(
            itertools.accumulate(1.0 / (j + 1) for j in range(len(self.templates)))
        )

    def _template(self, number: int) -> _NetTemplate:
        rng = self.rng
        names: list[str] = list(NETWORK_CORE)
        if rng.random() < 0.35:
            names.remove("third")
        if rng.random() < 0.5:
            names.insert(names.index("close"), "movement")
        if any(p.handle for p in self.personas):
            names.insert(names.index("contact") + 1, "handle")
        if (self.payment or self.wallet) and rng.random() < 0.6:
            names.insert(names.index("contact"), "deposit")
        if self.email is not None:
            names.insert(names.index("contact") + 1, "email")
        if rng.random() < 0.3:  # this template puts the contact first
            names.remove("contact")
            names.insert(1, "contact")
        # The controller's own voice: two sentences ended its own way, and a sign-off line.
        tailed = set(rng.sample(names, 2))
        tail = pick(rng, VOICE_TAILS)
        sign_off = signed_with(
            pick(rng, VOICE_ADJECTIVES), pick(rng, VOICE_NOUNS), pick(rng, VOICE_TAGLINES)
        )
        sections: list[tuple[str, tuple[Phrase, ...]]] = []
        for name in names:
            if name == "close":
                sections.append(("signature", (sign_off,)))
            if name == "email":
                pool: Sequence[Phrase] = INDEPENDENT_EMAIL
            else:
                pool = NETWORK_SECTIONS[name]
            if name == "deposit":
                pool = [
                    p
                    for p in pool
                    if ("wallet" in p.slots and self.wallet is not None)
                    or ("payment" in p.slots and self.payment is not None)
                ]
            count = min(len(pool), pick(rng, (1, 2, 2, 3)))
            chosen = tuple(rng.sample(list(pool), count))
            if name in tailed:
                chosen = tuple(with_tail(option, tail) for option in chosen)
            sections.append((name, chosen))
        titles = tuple(rng.sample(NETWORK_TITLES, 2))
        return _NetTemplate(
            f"{self.id}-t{number}", titles, tuple(sections), pick(rng, (" ", "\n", " ", "\n\n"))
        )

    def _typo(self, block: Phrase) -> Phrase:
        """One of two typo'd spellings of ``block``, made once per network (a controller
        repeats its own typos, and re-spelling each post would cost time on the hot path)."""
        variants = self.typos.get(block)
        if variants is None:
            variants = (with_typo(self.rng, block), with_typo(self.rng, block))
            self.typos[block] = variants
        return variants[0] if self.rng.random() < 0.5 else variants[1]

    def city_at(self, when: float) -> City:
        city = self.stays[0][1]
        for start, stay_city in self.stays:
            if start > when:
                break
            city = stay_city
        return city

    def emit(self, post_id: str, when: float) -> tuple[dict[str, str], PostTruth]:
        rng = self.rng
        self.emitted += 1
        persona = self.personas[bisect(self.persona_cum, rng.random() * self.persona_cum[-1])]
        template = self.templates[bisect(self.template_cum, rng.random() * self.template_cum[-1])]
        city = self.city_at(when)
        blocks: list[Phrase] = []
        for name, options in template.sections:
            if name == "handle" and persona.handle is None:
                continue
            block = options[0] if len(options) == 1 or rng.random() < 0.7 else pick(rng, options)
            blocks.append(block)
        edited = False
        if rng.random() < 0.25 and len(blocks) > 3:
            k = rng.randrange(1, len(blocks) - 1)
            blocks[k], blocks[k + 1] = blocks[k + 1], blocks[k]
            edited = True
        if rng.random() < 0.25:
            k = int(rng.random() * len(blocks))
            blocks[k] = self._typo(blocks[k])
            edited = True
        if rng.random() < 0.35:
            blocks.insert(int(rng.random() * (len(blocks) + 1)), _EMOJI_BLOCK)
            edited = True
        use_lookalike = self.lookalike is not None and rng.random() < LOOKALIKE_POSTS
        obfuscate_p = PHONE_OBFUSCATION["network"]
        cache: dict[str, Rendered] = {}
        price = self.base_price + pick(rng, (-20, 0, 0, 0, 20))

        def render(slot: str) -> Rendered:
            hit = cache.get(slot)
            if hit is not None:
                return hit
            out: Rendered
            if slot == "name":
                out = name_slot(persona.name)
            elif slot == "age":
                out = age_slot(rng, persona.age, words_p=AGE_WORDS)
            elif slot == "city":
                out = city_slot(rng, city)
            elif slot == "phone":
                style = pick_phone_style(rng, persona.phone, obfuscate_p, False)
                out = phone_slot(rng, persona.phone, style)
            elif slot == "price":
                out = price_slot(rng, price, "USD" if city.country == "US" else "CAD")
            elif slot == "price2":
                out = price_slot(rng, price * 2 - 50, "USD" if city.country == "US" else "CAD")
            elif slot == "deposit":
                out = money_slot(
                    f"${self.deposit}",
                    self.deposit,
                    "USD" if city.country == "US" else "CAD",
                    "amount",
                )
            elif slot == "payment" and self.payment is not None:
                out = payment_slot(rng, self.payment)
            elif slot == "wallet" and self.wallet is not None:
                chosen = self.lookalike if use_lookalike and self.lookalike else self.wallet
                out = wallet_slot(rng, chosen)
            elif slot == "handle" and persona.handle is not None:
                out = handle_slot(rng, persona.handle)
            elif slot == "email" and self.email is not None:
                out = email_slot(rng, self.email, EMAIL_OBFUSCATION)
            elif slot == "emoji":
                out = plain(emoji(rng))
            elif slot == "inserted_emoji":
                return plain(emoji(rng))
            else:
                raise KeyError(f"network template uses unknown slot {slot!r}")
            cache[slot] = out
            return out

        title_phrase = template.titles[0] if rng.random() < 0.6 else template.titles[1]
        title, title_marks, title_signals = assemble((title_phrase,), render)
        text, text_marks, signals = assemble(blocks, render, template.sep)
        identifiers, decoys = _identifiers(title_marks, text_marks)
        truth = PostTruth(
            post_id,
            "network",
            self.id,
            self.id,
            persona.id,
            template.id,
            city.canonical,
            "en",
            "edited" if edited else "original",
            identifiers,
            decoys,
            tuple(dict.fromkeys(title_signals + signals)),
        )
        site = pick(rng, SITES)
        return self._record(post_id, title, text, when, site, city, persona.author), truth

    def finish(self) -> None:
        start_epoch = self.run.config.start_epoch
        ends = [s for s, _ in self.stays[1:]] + [self.spec.end]
        circuit = tuple(
            StayTruth(city.canonical, _iso(start_epoch + start), _iso(start_epoch + end))
            for (start, city), end in zip(self.stays, ends, strict=True)
        )
        personas = tuple(
            PersonaTruth(
                p.id,
                p.name,
                p.age,
                p.phone.e164,
                p.author,
                p.handle.canonical if p.handle else None,
            )
            for p in self.personas
        )
        handles = tuple(dict.fromkeys(p.handle.canonical for p in self.personas if p.handle))
        self.run.networks.append(
            NetworkTruth(
                self.id,
                personas,
                tuple(p.e164 for p in self.phones),
                (self.payment.canonical,) if self.payment else (),
                (self.wallet.canonical,) if self.wallet else (),
                (self.email.canonical,) if self.email else (),
                handles,
                tuple(t.id for t in self.templates),
                circuit,
                self.emitted,
            )
        )


class _Scam(_Actor):
    category = "scam"

    def __init__(self, spec: _Spec, run: _Run) -> None:
        super().__init__(spec, run)
        rng = self.rng
        self.id = f"scam-{spec.ordinal:04d}"
        self.template_id = f"{self.id}-t1"
        self.url = _verify_url(rng)
        mode = rng.choices(("giftcard", "payment", "wallet"), (40, 30, 30))[0]
        self.payment = _payment(rng, "", run.book, None) if mode == "payment" else None
        self.wallet = _wallet(rng) if mode == "wallet" else None
        self.lookalike = (
            make_lookalike(rng, self.wallet)
            if self.wallet is not None and rng.random() < LOOKALIKE_ACTORS
            else None
        )
        self.phone = run.book.nanp(()) if rng.random() < 0.25 else None
        self.handle: Handle | None = None
        if rng.random() < 0.35:
            platform = pick(rng, ("telegram", "snapchat", "kik"))
            self.handle = Handle(platform, username(rng, platform=platform))
        self.deposit = pick(rng, (50, 100, 100, 150, 200))
        self.giftcard = pick(rng, GIFT_CARDS)
        sections = ["open", "intro", "verify", f"deposit_{mode}"]
        if self.phone is not None:
            sections.append("contact_phone")
        if self.handle is not None:
            sections.append("contact_handle")
        sections.append("close")
        self.blocks = [_pick(rng, SCAM_SECTIONS[name]) for name in sections]
        # The operator's own voice (as a network's): two sentences ended its own way.
        tail = pick(rng, VOICE_TAILS)
        for index in rng.sample(range(len(self.blocks)), 2):
            self.blocks[index] = with_tail(self.blocks[index], tail)
        self.title = _pick(rng, SCAM_TITLES)
        self.sep = pick(rng, (" ", "\n"))
        self.title_compiled = compile_blocks((self.title,))
        self.text_compiled = compile_blocks(self.blocks, self.sep)
        # The text is the same in every post: fixed renderings of the contact slots.
        self.fixed: dict[str, Rendered] = {
            "url": url_slot(rng, self.url),
            "emoji": plain(emoji(rng)),
            "giftcard": plain(self.giftcard),
            "deposit": money_slot(f"${self.deposit}", self.deposit, "USD", "amount"),
        }
        if self.payment is not None:
            self.fixed["payment"] = payment_slot(rng, self.payment)
        if self.wallet is not None:
            self.fixed["wallet"] = wallet_slot(rng, self.wallet)
        if self.lookalike is not None:
            self.fixed["wallet_bad"] = wallet_slot(rng, self.lookalike)
        if self.phone is not None:
            style = pick_phone_style(rng, self.phone, PHONE_OBFUSCATION["scam"], False)
            self.fixed["phone"] = phone_slot(rng, self.phone, style)
        if self.handle is not None:
            self.fixed["handle"] = handle_slot(rng, self.handle)
        self.cities: list[str] = []

    def emit(self, post_id: str, when: float) -> tuple[dict[str, str], PostTruth]:
        rng = self.rng
        self.emitted += 1
        city = pick(rng, US_CITIES)
        if city.canonical not in self.cities:
            self.cities.append(city.canonical)
        name = pick(rng, FEMALE_NAMES)
        age = rng.randint(19, 25)
        use_lookalike = self.lookalike is not None and rng.random() < LOOKALIKE_POSTS
        cache: dict[str, Rendered] = {}

        def render(slot: str) -> Rendered:
            if slot == "wallet" and use_lookalike:
                return self.fixed["wallet_bad"]
            hit = self.fixed.get(slot) or cache.get(slot)
            if hit is not None:
                return hit
            if slot == "name":
                out = name_slot(name)
            elif slot == "age":
                out = age_slot(rng, age, words_p=0.0)
            elif slot == "city":
                out = city_slot(rng, city, with_region_p=0.0)
            else:
                raise KeyError(f"scam template uses unknown slot {slot!r}")
            cache[slot] = out
            return out

        title, title_marks, title_signals = fill(self.title_compiled, render)
        text, text_marks, signals = fill(self.text_compiled, render)
        identifiers, decoys = _identifiers(title_marks, text_marks)
        truth = PostTruth(
            post_id,
            "scam",
            self.id,
            None,
            None,
            self.template_id,
            city.canonical,
            "en",
            "blast",
            identifiers,
            decoys,
            tuple(dict.fromkeys(title_signals + signals)),
        )
        site = pick(rng, SITES)
        return self._record(post_id, title, text, when, site, city, _hexid(rng, "u")), truth

    def finish(self) -> None:
        ids = [self.url.canonical]
        for item in (self.payment, self.wallet):
            if item is not None:
                ids.append(item.canonical)
        if self.phone is not None:
            ids.append(self.phone.e164)
        if self.handle is not None:
            ids.append(self.handle.canonical)
        self.run.campaigns.append(
            CampaignTruth(
                self.id, "scam", self.template_id, tuple(ids), tuple(self.cities), self.emitted
            )
        )


@dataclass(slots=True)
class _Version:
    """One wording of an independent's ad, and its rendering (reposted as is)."""

    template: str
    blocks: list[Phrase]
    sep: str
    title_phrase: Phrase
    slots: dict[str, Rendered]
    city: City
    title: str = ""
    title_marks: list[Mark] = field(default_factory=list)
    text: str = ""
    text_marks: list[Mark] = field(default_factory=list)
    signals: tuple[str, ...] = ()
    identifiers: tuple[TruthIdentifier, ...] = ()
    decoys: tuple[Decoy, ...] = ()
    #: The blocks compiled once; a near repost that only changes slot values reuses it.
    compiled: Compiled | None = None
    title_compiled: Compiled | None = None


class _Independent(_Actor):
    category = "independent"

    def __init__(self, spec: _Spec, run: _Run) -> None:
        super().__init__(spec, run)
        rng = self.rng
        self.id = f"ind-{spec.ordinal:05d}"
        pool = US_CITIES if rng.random() < 0.9 else CA_CITIES
        self.home = pick(rng, pool)
        self.away = pick(rng, US_CITIES) if rng.random() < 0.25 else None
        if self.away is self.home:
            self.away = None
        self.phone = run.book.nanp(self.home.area_codes)
        self.name = pick(rng, FEMALE_NAMES)
        roll = rng.random()
        self.age = (
            rng.randint(18, 19)
            if roll < 0.08
            else (rng.randint(20, 29) if roll < 0.68 else rng.randint(30, 42))
        )
        self.author = _hexid(rng, "u")
        self.site = pick(rng, SITES)
        self.handle: Handle | None = None
        if rng.random() < 0.35:
            platform = pick(rng, ("snapchat", "instagram", "onlyfans", "kik"))
            self.handle = Handle(platform, username(rng, self.name, platform))
        self.email = _email(rng, self.name) if rng.random() < 0.15 else None
        self.payment = (
            _payment(rng, self.name, run.book, self.phone) if rng.random() < 0.08 else None
        )
        self.price = rng.randrange(150, 400, 10)
        self.versions = 0
        self.version = self._new_version(self.home)

    def _new_version(self, city: City) -> _Version:
        rng = self.rng
        self.versions += 1
        blocks: list[Phrase] = []
        if rng.random() < 0.8:
            blocks.append(_pick(rng, INDEPENDENT_GREETINGS))
        self_phrase = _pick(rng, INDEPENDENT_SELF)
        blocks.append(self_phrase)
        if "age" not in self_phrase.slots and rng.random() < 0.7:
            blocks.append(_pick(rng, INDEPENDENT_AGE))
        blocks.extend(rng.sample(INDEPENDENT_PERSONALITY, rng.randint(1, 3)))
        if rng.random() < 0.7:
            blocks.append(_pick(rng, INDEPENDENT_VISIT))
        boilerplate = rng.sample(INDEPENDENT_BOILERPLATE, rng.randint(1, 3))
        blocks.extend(boilerplate)
        if rng.random() < 0.6:
            blocks.append(_pick(rng, INDEPENDENT_AVAILABILITY))
        blocks.append(_pick(rng, INDEPENDENT_RATES))
        if self.payment is not None:
            blocks.append(_pick(rng, INDEPENDENT_DEPOSIT))
        blocks.append(_pick(rng, INDEPENDENT_CONTACT))
        if self.handle is not None:
            blocks.append(_pick(rng, INDEPENDENT_HANDLE))
        if self.email is not None:
            blocks.append(_pick(rng, INDEPENDENT_EMAIL))
        if rng.random() < 0.8:
            blocks.append(_pick(rng, INDEPENDENT_CLOSINGS))
        if rng.random() < 0.3:  # her own order: boilerplate first
            for phrase_ in boilerplate:
                blocks.remove(phrase_)
            blocks[1:1] = boilerplate
        style = pick_phone_style(rng, self.phone, PHONE_OBFUSCATION["independent"], False)
        currency = _CURRENCY[city.country]
        deposit = pick(rng, (20, 40, 50))
        adjective = pick(rng, INDEPENDENT_ADJECTIVES)
        slots: dict[str, Rendered] = {
            "name": name_slot(self.name),
            "age": age_slot(rng, self.age, words_p=AGE_WORDS),
            "city": city_slot(rng, city),
            "phone": phone_slot(rng, self.phone, style),
            "price": price_slot(rng, self.price, currency),
            "price2": price_slot(rng, self.price * 2 - 50, currency),
            "deposit": money_slot(f"${deposit}", deposit, currency, "amount"),
            "emoji": plain(emoji(rng)),
            "adj": plain(adjective),
            "a_adj": plain(("an " if adjective[0] in "aeiou" else "a ") + adjective),
            "look": plain(pick(rng, INDEPENDENT_LOOKS)),
            "kind": plain(pick(rng, INDEPENDENT_KINDS)),
            "feature": plain(pick(rng, INDEPENDENT_FEATURES)),
        }
        if self.handle is not None:
            slots["handle"] = handle_slot(rng, self.handle)
        if self.email is not None:
            slots["email"] = email_slot(rng, self.email, EMAIL_OBFUSCATION)
        if self.payment is not None:
            slots["payment"] = payment_slot(rng, self.payment)
        version = _Version(
            f"{self.id}-t{self.versions}",
            blocks,
            pick(rng, (" ", "\n")),
            _pick(rng, INDEPENDENT_TITLES),
            slots,
            city,
        )
        self._render(version)
        return version

    def _render(self, version: _Version) -> None:
        slots = version.slots
        if version.compiled is None:
            version.compiled = compile_blocks(version.blocks, version.sep)
        if version.title_compiled is None:
            version.title_compiled = compile_blocks((version.title_phrase,))
        version.title, version.title_marks, title_signals = fill(
            version.title_compiled, slots.__getitem__
        )
        version.text, version.text_marks, signals = fill(version.compiled, slots.__getitem__)
        version.signals = tuple(dict.fromkeys(title_signals + signals))
        version.identifiers, version.decoys = _identifiers(version.title_marks, version.text_marks)

    def _near(self, base: _Version) -> _Version:
        """``base`` with one small change: a repost line, a new rate, emoji or city."""
        rng = self.rng
        version = _Version(
            base.template,
            list(base.blocks),
            base.sep,
            base.title_phrase,
            dict(base.slots),
            base.city,
        )
        version.title_compiled = base.title_compiled
        change = rng.randrange(4)
        if change in (1, 3):  # slot values only: the sentences stay as compiled
            version.compiled = base.compiled
        if change == 0:
            line = _pick(rng, INDEPENDENT_REPOST_LINES)
            version.blocks.insert(0 if rng.random() < 0.6 else len(version.blocks), line)
        elif change == 1:
            self.price += pick(rng, (-20, -10, 10, 20, 30))
            currency = _CURRENCY[version.city.country]
            version.slots["price"] = price_slot(rng, self.price, currency)
            version.slots["price2"] = price_slot(rng, self.price * 2 - 50, currency)
        elif change == 2:
            version.slots["emoji"] = plain(emoji(rng))
            version.blocks.insert(rng.randrange(len(version.blocks) + 1), Phrase((emoji(rng),)))
        else:
            version.city = (
                self.away if self.away is not None and base.city is self.home else self.home
            )
            version.slots["city"] = city_slot(rng, version.city)
            currency = _CURRENCY[version.city.country]
            version.slots["price"] = price_slot(rng, self.price, currency)
            version.slots["price2"] = price_slot(rng, self.price * 2 - 50, currency)
        self._render(version)
        return version

    def emit(self, post_id: str, when: float) -> tuple[dict[str, str], PostTruth]:
        rng = self.rng
        self.emitted += 1
        variant = "original"
        if self.emitted > 1:
            roll = rng.random()
            if roll < 0.55:
                variant = "exact_repost"
            elif roll < 0.9:
                variant = "near_repost"
                self.version = self._near(self.version)
            else:
                variant = "rewrite"
                self.version = self._new_version(self.version.city)
        v = self.version
        truth = PostTruth(
            post_id,
            "independent",
            self.id,
            None,
            self.id,
            v.template,
            v.city.canonical,
            "en",
            variant,
            v.identifiers,
            v.decoys,
            v.signals,
        )
        return self._record(post_id, v.title, v.text, when, self.site, v.city, self.author), truth


def _company(rng: random.Random) -> tuple[str, str]:
    first, second = pick(rng, COMPANY_FIRST), pick(rng, COMPANY_SECOND)
    region = pick(rng, COMPANY_REGION) + " " if rng.random() < 0.85 else ""
    kind = pick(rng, COMPANY_KIND)
    name = f"{first}{second} {region}{kind}"
    stem = f"{first}{second}{region.replace('-', '').replace(' ', '')}{kind.split()[0]}"
    domain = stem.lower() + pick(rng, (".com", ".com", ".net"))
    return name, domain


def _contact_kind(phrase: Phrase) -> str:
    """Which lure contact a phrase is written for: a WhatsApp number, a wa.me link, Telegram."""
    if "whatsapp" in phrase.slots:
        return "phone"
    return "wa_me" if "WhatsApp" in "".join(phrase.parts[::2]) else "telegram"


class _Job(_Actor):
    """A recruiter (lure) or an employer (genuine): one template posted across cities."""

    def __init__(self, spec: _Spec, run: _Run) -> None:
        super().__init__(spec, run)
        rng = self.rng
        self.category = spec.category
        lure = spec.category == "job_lure"
        self.lure = lure
        self.spanish = rng.random() < (0.5 if lure else 0.3)
        if self.spanish:
            city_pool = [c for c in US_CITIES if c.name in _HISPANIC_US] + list(MX_CITIES)
        else:
            city_pool = list(US_CITIES) + list(CA_CITIES)
        n_cities = rng.randint(3, 8) if lure else rng.randint(1, 3)
        self.cities = rng.sample(city_pool, min(n_cities, len(city_pool)))
        self.id = f"lure-{spec.ordinal:04d}" if lure else f"job-{spec.ordinal:05d}"
        self.template_id = f"{self.id}-t1"
        self.site_pool = JOB_SITES
        self.authors = [_hexid(rng, "u") for _ in range(rng.randint(1, 4) if lure else 1)]
        if lure:
            roles = LURE_ROLES_ES if self.spanish else LURE_ROLES_EN
            sections = LURE_SECTIONS_ES if self.spanish else LURE_SECTIONS_EN
            titles = LURE_TITLES_ES if self.spanish else LURE_TITLES_EN
            order = [
                s
                for s in LURE_ORDER
                if s in ("offer", "pay", "benefits", "contact")
                or rng.random()
                < {
                    "requirements": 0.8,
                    "fee": 0.7,
                    "passport": 0.5,
                    "interview": 0.6,
                    "urgency": 0.7,
                }[s]
            ]
            self.pay = rng.randrange(4000, 9001, 500)
        else:
            roles = GENUINE_ROLES_ES if self.spanish else GENUINE_ROLES_EN
            sections = GENUINE_SECTIONS_ES if self.spanish else GENUINE_SECTIONS_EN
            titles = GENUINE_TITLES_ES if self.spanish else GENUINE_TITLES_EN
            order = [s for s in GENUINE_ORDER if s != "nofee" or rng.random() < 0.4]
            self.pay = rng.randint(15, 28)
        self.role = pick(rng, roles)
        self.company, self.domain = _company(rng)
        # Contacts.
        self.phone: Phone | None = None
        self.handle: Handle | None = None
        self.payment: PaymentTag | None = None
        self.email: Email | None = None
        self.url: Url | None = None
        blocks: list[Phrase] = []
        apply_kind = ""
        contact = ""
        if lure:
            contact = rng.choices(("phone", "telegram", "wa_me"), (50, 25, 25))[0]
            if contact != "telegram":
                self.phone = (
                    run.book.uk()
                    if rng.random() < 0.3
                    else run.book.nanp(self.cities[0].area_codes)
                )
            if contact == "telegram":
                self.handle = Handle("telegram", username(rng, platform="telegram"))
            elif contact == "wa_me":
                self.handle = Handle("whatsapp", "", self.phone)
            if "fee" in order:
                self.payment = _payment(rng, "", run.book, None)
            self.fee = pick(rng, (100, 150, 200, 250, 300, 400))
        else:
            apply_kind = rng.choices(("url", "email", "phone"), (50, 35, 15))[0]
            if apply_kind == "phone" and self.cities[0].country == "MX":
                apply_kind = "email"
            if apply_kind == "url":
                self.url = Url(
                    ("www." if rng.random() < 0.5 else "") + self.domain,
                    pick(rng, ("careers", "jobs", "apply")),
                )
            elif apply_kind == "email":
                self.email = Email(pick(rng, ("careers", "jobs", "hr", "rh")), self.domain)
            else:
                self.phone = run.book.nanp(self.cities[0].area_codes)
            self.fee = 0
        for name in order:
            pool: Sequence[Phrase] = sections[name]
            if name == "contact":
                pool = [p for p in pool if _contact_kind(p) == contact]
            if name == "apply":
                pool = [p for p in pool if apply_kind in p.slots]
            blocks.append(_pick(rng, pool))
        self.blocks = self._voiced(blocks)
        self.title = _pick(rng, titles)
        self.sep = pick(rng, (" ", "\n"))
        self.title_compiled = compile_blocks((self.title,))
        self.text_compiled = compile_blocks(self.blocks, self.sep)
        self.fixed: dict[str, Rendered] = {"role": plain(self.role), "company": plain(self.company)}
        if self.phone is not None:
            # A North American number in posts read in Mexico is written with its country code.
            abroad = any(city.country not in ("US", "CA") for city in self.cities)
            style = pick_phone_style(
                rng, self.phone, PHONE_OBFUSCATION[spec.category], self.spanish, abroad=abroad
            )
            self.fixed["phone"] = phone_slot(rng, self.phone, style)
            self.fixed["whatsapp"] = whatsapp_slot(rng, self.phone, abroad=abroad)
        if self.handle is not None:
            self.fixed["handle"] = handle_slot(rng, self.handle)
        if self.payment is not None:
            self.fixed["payment"] = payment_slot(rng, self.payment)
        if self.email is not None:
            self.fixed["email"] = email_slot(rng, self.email, 0.0)
        if self.url is not None:
            self.fixed["url"] = url_slot(rng, self.url)
        self.used_cities: list[str] = []

    def _voiced(self, blocks: list[Phrase]) -> list[Phrase]:
        """``blocks`` in this employer's or recruiter's own words (see templates.py): an
        employer says who it is, what the work is and closes its own way; a recruiter ends two
        sentences its own way and signs with an agency name."""
        rng, spanish = self.rng, self.spanish
        if self.lure:
            tail = pick(rng, RECRUITER_TAILS_ES if spanish else RECRUITER_TAILS_EN)
            voiced = list(blocks)
            for index in rng.sample(range(len(voiced)), 2):
                voiced[index] = with_tail(voiced[index], tail)
            kinds = AGENCY_KINDS_ES if spanish else AGENCY_KINDS_EN
            signature = agency_signature(
                pick(rng, AGENCY_FIRST), pick(rng, AGENCY_SECOND).capitalize(), pick(rng, kinds)
            )
            return [*voiced, signature]
        about = employer_about(
            pick(rng, JOB_ABOUT_KINDS_ES if spanish else JOB_ABOUT_KINDS_EN),
            pick(rng, JOB_MISSIONS_ES if spanish else JOB_MISSIONS_EN),
            spanish,
        )
        duties = employer_duties(
            rng.sample(JOB_DUTIES_ES if spanish else JOB_DUTIES_EN, 3), spanish
        )
        closing = phrase(pick(rng, JOB_CLOSINGS_ES if spanish else JOB_CLOSINGS_EN))
        # The offer stays first and the way to apply last; the voice goes around them.
        return [blocks[0], about, duties, *blocks[1:-1], closing, blocks[-1]]

    def _pay(self, city: City) -> Rendered:
        """The pay with its period written next to it: monthly for lures and in Mexico,
        hourly for genuine jobs in the US and Canada."""
        rng = self.rng
        if self.lure:
            return usd_amount(rng, self.pay, city.country, self.spanish, monthly=True)
        if city.country == "MX":
            monthly = self.pay * 400
            formats = (
                f"${monthly:,} MXN al mes",
                f"{monthly:,} MXN por mes",
                f"${monthly:,} pesos al mes",
            )
            return money_slot(pick(rng, formats), monthly, "MXN", "amount", "month")
        currency = _CURRENCY[city.country]
        pay = self.pay + (2 if currency == "CAD" else 0)
        if self.spanish:
            written = pick(rng, (f"${pay} por hora", f"${pay}/hr"))
        else:
            written = pick(rng, (f"${pay}/hr", f"${pay} per hour", f"${pay} an hour"))
        return money_slot(written, pay, currency, "amount", "hr")

    def emit(self, post_id: str, when: float) -> tuple[dict[str, str], PostTruth]:
        rng = self.rng
        self.emitted += 1
        city = pick(rng, self.cities)
        if city.canonical not in self.used_cities:
            self.used_cities.append(city.canonical)
        cache: dict[str, Rendered] = {}

        def render(slot: str) -> Rendered:
            hit = self.fixed.get(slot) or cache.get(slot)
            if hit is not None:
                return hit
            if slot == "city":
                out = city_slot(rng, city, with_region_p=0.2)
            elif slot == "pay":
                out = self._pay(city)
            elif slot == "fee":
                out = usd_amount(rng, self.fee, city.country, self.spanish)
            else:
                raise KeyError(f"job template uses unknown slot {slot!r}")
            cache[slot] = out
            return out

        blocks = self.blocks
        edited = False
        if self.lure and rng.random() < 0.2:
            blocks = list(blocks)
            blocks.insert(rng.randrange(len(blocks) + 1), Phrase((emoji(rng),)))
            edited = True
        title, title_marks, title_signals = fill(self.title_compiled, render)
        compiled = self.text_compiled if blocks is self.blocks else compile_blocks(blocks, self.sep)
        text, text_marks, signals = fill(compiled, render)
        identifiers, decoys = _identifiers(title_marks, text_marks)
        truth = PostTruth(
            post_id,
            self.category,
            self.id,
            None,
            None,
            self.template_id,
            city.canonical,
            "es" if self.spanish else "en",
            "edited" if edited else "original",
            identifiers,
            decoys,
            tuple(dict.fromkeys(title_signals + signals)),
        )
        site = pick(rng, self.site_pool)
        author = pick(rng, self.authors)
        return self._record(post_id, title, text, when, site, city, author), truth

    def finish(self) -> None:
        if not self.lure:
            return
        ids: list[str] = []
        if self.phone is not None:
            ids.append(self.phone.e164)
        for item in (self.handle, self.payment):
            if item is not None:
                ids.append(item.canonical)
        self.run.campaigns.append(
            CampaignTruth(
                self.id,
                "job_lure",
                self.template_id,
                tuple(ids),
                tuple(self.used_cities),
                self.emitted,
            )
        )


# --- planning and the stream ------------------------------------------------------------------

#: Per category: (median posts per actor, sigma of log, min, max, min days, max days).
_SIZES: Final[dict[str, tuple[float, float, int, int, float, float]]] = {
    "network": (200.0, 0.6, 20, 1500, 20.0, 80.0),
    "scam": (120.0, 0.7, 20, 800, 4.0, 20.0),
    "independent": (9.0, 0.9, 1, 150, 3.0, 100.0),
    "job_lure": (50.0, 0.6, 10, 300, 10.0, 60.0),
    "job_genuine": (3.0, 0.8, 1, 20, 3.0, 30.0),
}

_ACTORS: Final[dict[str, type[_Actor]]] = {
    "network": _Network,
    "scam": _Scam,
    "independent": _Independent,
    "job_lure": _Job,
    "job_genuine": _Job,
}


def _category_counts(n: int, mix: dict[str, float]) -> dict[str, int]:
    """Largest-remainder split of ``n`` posts over the categories (exact total)."""
    total = sum(mix.values())
    quotas = {c: n * mix[c] / total for c in CATEGORIES}
    counts = {c: int(quotas[c]) for c in CATEGORIES}
    short = n - sum(counts.values())
    by_remainder = sorted(CATEGORIES, key=lambda c: (-(quotas[c] - counts[c]), c))
    for c in by_remainder[:short]:
        counts[c] += 1
    return counts


def _plan(n: int, rng: random.Random, config: SynthConfig) -> list[_Spec]:
    window = config.days * DAY
    specs: list[_Spec] = []
    for category, posts in _category_counts(n, config.mix).items():
        median, sigma, low, high, min_days, max_days = _SIZES[category]
        ordinal = 0
        while posts > 0:
            ordinal += 1
            count = min(posts, max(low, min(high, round(rng.lognormvariate(0.0, sigma) * median))))
            posts -= count
            days = rng.uniform(min_days, max_days)
            if category == "independent":  # reposting every one to four days
                days = min(max_days, max(min_days, count * rng.uniform(1.0, 4.0)))
            span = min(window, days * DAY)
            start = rng.uniform(0.0, window - span)
            specs.append(_Spec(start, start + span, count, category, ordinal, rng.getrandbits(64)))
    specs.sort(key=lambda s: (s.start, CATEGORIES.index(s.category), s.ordinal))
    return specs


@dataclass(slots=True)
class _Run:
    config: SynthConfig
    book: PhoneBook
    networks: list[NetworkTruth] = field(default_factory=list)
    campaigns: list[CampaignTruth] = field(default_factory=list)
    actors: dict[str, int] = field(default_factory=dict)


class CorpusGenerator:
    """Iterate to get ``(record, truth)`` pairs; summaries are complete once iteration ends."""

    def __init__(self, n: int, seed: int, config: SynthConfig | None = None) -> None:
        if n < 0:
            raise ValueError("n must be >= 0")
        self.n = n
        self.seed = seed
        self.config = config or SynthConfig()
        self._run = _Run(self.config, PhoneBook(random.Random(seed ^ 0x5EED)))
        self.counts: dict[str, int] = dict.fromkeys(CATEGORIES, 0)

    @property
    def networks(self) -> list[NetworkTruth]:
        return sorted(self._run.networks, key=lambda net: net.id)

    @property
    def campaigns(self) -> list[CampaignTruth]:
        return sorted(self._run.campaigns, key=lambda c: c.id)

    @property
    def actors(self) -> dict[str, int]:
        """Actors per category that posted at least once."""
        return dict(self._run.actors)

    @property
    def phones_issued(self) -> int:
        return self._run.book.issued

    @property
    def phones_reused(self) -> int:
        return self._run.book.reused

    def __iter__(self) -> Iterator[tuple[dict[str, str], PostTruth]]:
        """A fresh run each time: iterating twice gives the same posts twice."""
        self._run = _Run(self.config, PhoneBook(random.Random(self.seed ^ 0x5EED)))
        self.counts = dict.fromkeys(CATEGORIES, 0)
        specs = _plan(self.n, random.Random(self.seed), self.config)
        heap: list[tuple[float, int, _Actor]] = []
        next_spec = 0
        width = max(7, len(str(self.n)))
        for index in range(self.n):
            while next_spec < len(specs) and (not heap or specs[next_spec].start <= heap[0][0]):
                spec = specs[next_spec]
                actor = _ACTORS[spec.category](spec, self._run)
                self._run.actors[spec.category] = self._run.actors.get(spec.category, 0) + 1
                heapq.heappush(heap, (actor.next_time(), next_spec, actor))
                next_spec += 1
            when, order, actor = heapq.heappop(heap)
            record, truth = actor.emit(f"post-{index + 1:0{width}d}", when)
            self.counts[truth.category] += 1
            if actor.done:
                actor.finish()
            else:
                heapq.heappush(heap, (actor.next_time(), order, actor))
            yield record, truth


def generate(
    n: int, seed: int, config: SynthConfig | None = None
) -> Iterator[tuple[dict[str, str], PostTruth]]:
    """Stream ``n`` synthetic posts with their truth, in posting order (deterministic per seed)."""
    return iter(CorpusGenerator(n, seed, config))
