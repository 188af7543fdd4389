"""Payment handles: Cash App, Venmo, PayPal and Zelle, the money routes behind an ad.

Canonical form (DESIGN.md): ``cashapp:tag``, ``venmo:tag``, ``paypal:tag`` with a lowercase
tag; ``zelle:+12125550123`` (E.164, parsed with the post's region) or ``zelle:jane@x.com``.
PayPal accounts are often an email too: ``paypal:jane@x.com``.

Written forms: a cue then the tag (``cashapp $jane12``, ``CashApp: $jane12``,
``cash app jane12``, ``CA $jane12``, ``venmo @jane-12``, ``venmo: jane12``,
``paypal: jane12``, ``zelle 212-555-0123``, ``zelle: jane@x.com``); links
(``cash.app/$jane12``, ``venmo.com/u/jane12``, ``paypal.me/jane12``); and a bare
``$jane12`` cashtag. Each service's tag rules hold (Cash App: 1-20 characters starting with a
letter; Venmo: 5-30 letters, digits, ``-`` and ``_``; PayPal.me: 1-20 letters and digits), so
``$200`` and ``$150hh`` stay prices, and a tag cut by a character the service does not allow
(``$jane.doe``) is no tag at all. After a cue and spaces alone (no ``$``, ``@``, ``:`` or
``-``), a tag of letters only is prose ("cash app accepted"): ``cash app jane12`` is kept.
"""

from __future__ import annotations

import re

from threadline.extract.email import email_at
from threadline.extract.handle import PROSE_WORDS, continues_word, phone_at
from threadline.extract.normalize import Folded
from threadline.extract.url import claim, lower_keeping_offsets, word_set
from threadline.records import Identifier

_CUE_RE = re.compile(
    r"(?<![A-Za-z0-9_@./\-])(?:"
    r"(?P<cashapp>cash[ \t\-]?app)"
    r"|(?P<venmo>venmo)"
    r"|(?P<paypal>pay[ \t]?pal)"
    r"|(?P<zelle>zelle)"
    r")(?![A-Za-z0-9])",
    re.IGNORECASE,
)
#: How every cue begins, found with ``str.find`` in the lowercased text: each needle and the
#: spellings it starts (one scan finds both ``paypal`` and ``pay pal``).
_CUE_NEEDLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cash", ("cash",)),
    ("venmo", ("venmo",)),
    ("pay", ("paypal", "pay pal")),
    ("zelle", ("zelle",)),
)
_FILLER = (
    r"(?:me|at|is|es|to|via|por|tag|cashtag|id|name|user(?:name)?|handle|account|acct|info"
    r"|only|number|num|al)(?![A-Za-z0-9_.])[ \t]{0,8}[:=\-#]?[ \t]{0,8}"
)
_AFTER_CUE_RE = re.compile(
    r"(?P<sep>[ \t]{0,8}[:=~>|\-]{1,4}[ \t]{0,8}|[ \t]{1,8})?"
    r"(?P<fill>(?:" + _FILLER + r"){0,4})"
    r"(?P<sigil>[$@][ \t]?)?",
    re.IGNORECASE,
)
_LINK_RE = re.compile(
    r"(?<![A-Za-z0-9.@\-])(?:https?://)?(?:(?:www|account)\.)?(?:"
    r"(?P<cashapp>cash\.app|cash\.me)/\$?"
    r"|(?P<venmo>venmo\.com)/(?:u/)?"
    r"|(?P<paypal>paypal\.me|paypal\.com/paypalme)/"
    r")",
    re.IGNORECASE,
)
_CASHTAG_RE = re.compile(r"\$(?P<tag>[A-Za-z][A-Za-z0-9_]{0,19})")
#: ``CA`` before a cashtag is Cash App's own abbreviation (``CA $jane12``).
_CA_BEFORE_RE = re.compile(r"(?<![A-Za-z0-9])CA[ \t]{0,8}[:=\-]?[ \t]{0,8}$")
_TAG_RUN_RE = re.compile(r"[A-Za-z0-9_\-]{1,64}")
#: Each service's tag rules, applied to the lowercase tag.
TAG_RULES: dict[str, re.Pattern[str]] = {
    "cashapp": re.compile(r"[a-z][a-z0-9_]{0,19}"),
    "venmo": re.compile(r"(?=.*[a-z])[a-z0-9_-]{5,30}"),
    "paypal": re.compile(r"(?=.*[a-z])[a-z0-9]{1,20}"),
}
#: Paths of the services' sites that are pages, not accounts.
RESERVED_PATHS = word_set(
    "help legal login signup card borrow taxes bitcoin investing press careers security privacy "
    "terms app download about pay send code account settings business"
)
#: ``$`` words that are currencies, tickers or price units, not cashtags.
_NOT_CASHTAGS = word_set(
    "usd us cad aud nzd eur gbp mxn jpy cny inr btc eth usdt usdc xmr ltc trx sol doge bnb "
    "hh hr hrs hour hours min mins qv qk fs"
)


def _tag(text: str, pos: int, service: str, *, checked: bool) -> tuple[int, str] | None:
    """A ``service`` tag written from ``pos``: (end, lowercase tag), or None.

    ``checked`` means a ``$``/``@`` sigil or a link already marks it as a tag; without one, a
    common word after the cue is prose ("cash app only").
    """
    run = _TAG_RUN_RE.match(text, pos)
    if run is None:
        return None
    tag = run.group()
    if service != "venmo":
        tag = tag.split("-", 1)[0]  # only Venmo allows '-': jane-12 is cut, then rejected below
    end = pos + len(tag)
    lowered = tag.lower()
    if TAG_RULES[service].fullmatch(lowered) is None or continues_word(text, end):
        return None
    if end < len(text) and text[end] == "@":
        return None  # jane@x.com: an email, handled by the email forms
    if not checked and (lowered in PROSE_WORDS or lowered in RESERVED_PATHS):
        return None
    return end, lowered


def _after_cue(text: str, cue: re.Match[str], region: str) -> tuple[int, str] | None:
    """The account after a service cue: (end, canonical), or None."""
    service = cue.lastgroup or ""
    after = _AFTER_CUE_RE.match(text, cue.end())
    if after is None:  # pragma: no cover - every group is optional, so it always matches
        return None
    sigil = (after.group("sigil") or "").strip(" \t")
    if not (after.group("sep") or sigil or after.group("fill")):
        return None  # venmo.jane, cashapp_x: not a cue
    pos = after.end()
    if service in ("zelle", "paypal") and not sigil:
        email = email_at(text, pos)
        if email is not None:
            return email[0], f"{service}:{email[1]}"
    if service == "zelle":
        phone = phone_at(text, pos, region)
        if phone is None or continues_word(text, phone[0]):
            return None
        return phone[0], f"zelle:{phone[1]}"
    if service == "cashapp" and sigil == "@":
        return None
    parsed = _tag(text, pos, service, checked=bool(sigil))
    if parsed is None:
        return None
    punctuated = any(ch in ":=~>|-#" for ch in (after.group("sep") or "") + after.group("fill"))
    if not (sigil or punctuated) and parsed[1].isalpha():
        return None  # "cash app accepted": a plain word after spaces is prose
    return parsed[0], f"{service}:{parsed[1]}"


def _link_start(text: str, anchor: int) -> int:
    """Start of a link whose domain begins at ``anchor``: before its subdomain and scheme."""
    start = anchor
    floor = max(0, anchor - 64)
    while start > floor and (text[start - 1].isalnum() or text[start - 1] in ".-"):
        start -= 1
    if start >= 3 and text[start - 3 : start] == "://":
        start -= 3
        while start > 0 and text[start - 1].isalpha():
            start -= 1
    return start


def _cue_starts(lowered: str) -> list[int]:
    """Where a cue or a link's domain may start: one ``str.find`` per word (C speed)."""
    starts: list[int] = []
    for word, spellings in _CUE_NEEDLES:
        anchor = lowered.find(word)
        while anchor != -1:
            if any(lowered.startswith(spelling, anchor) for spelling in spellings):
                starts.append(anchor)
            anchor = lowered.find(word, anchor + 1)
    return sorted(starts) if len(starts) > 1 else starts


def find(folded: Folded, region: str) -> list[Identifier]:
    """Payment handles in ``folded``; ``region`` is the default country for Zelle numbers."""
    text = folded.text
    lowered = lower_keeping_offsets(text)
    spans: list[tuple[int, int, str]] = []
    taken = bytearray(len(text))
    cue_starts = _cue_starts(lowered)
    for anchor in cue_starts:  # links first: cash.app/$x is a link, not the cue "cash"
        start = _link_start(text, anchor)
        link = _LINK_RE.match(text, start)
        if link is None or taken.find(1, start, link.end()) != -1:
            continue
        service = link.lastgroup or ""
        parsed = _tag(text, link.end(), service, checked=True)
        if (
            parsed is not None
            and parsed[1] not in RESERVED_PATHS
            and claim(taken, start, parsed[0])
        ):
            spans.append((start, parsed[0], f"{service}:{parsed[1]}"))
    for start in cue_starts:
        cue = _CUE_RE.match(text, start)
        if cue is None:
            continue
        parsed_cue = _after_cue(text, cue, region)
        if parsed_cue is not None and claim(taken, start, parsed_cue[0]):
            spans.append((start, parsed_cue[0], parsed_cue[1]))
    # Every "$" that a cashtag could start at, in order: the pattern begins with a literal "$",
    # so ``re`` jumps between them at C speed and skips "$50" without Python work.
    for cashtag in _CASHTAG_RE.finditer(text):
        start = cashtag.start()
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_$"):
            continue
        tag = cashtag.group("tag")
        end = cashtag.end()
        if continues_word(text, end) or tag.lower() in _NOT_CASHTAGS:
            continue
        ca = _CA_BEFORE_RE.search(text, max(0, start - 8), start)
        if ca is not None:
            start = ca.start()
        if claim(taken, start, end):
            spans.append((start, end, f"cashapp:{tag.lower()}"))
    spans.sort()
    found: list[Identifier] = []
    for start, end, canonical in spans:
        orig_start, orig_end = folded.span(start, end)
        found.append(
            Identifier(
                "payment", folded.original[orig_start:orig_end], canonical, orig_start, orig_end
            )
        )
    return found
