"""Email addresses, plain and in the obfuscated forms ads use to dodge filters.

Canonical form (DESIGN.md): lowercase ``user@domain``. Written forms: ``jane@x.com``,
``jane.doe at gmail dot com``, ``jane(at)proton(dot)me``, ``jane [at] gmail [dot] com``,
``jane {at} ...``, ``jane @ gmail . com``, ``jane_doe(@)yahoo(.)com``, Spanish ``arroba`` /
``punto`` (and Portuguese ``ponto``, French ``arobase``).

The domain must end in a TLD from the shipped IANA list. A spelled-out ``at`` between words is
also common prose ("meet me at the hotel dot com", "look at google.com"), so that form needs
more: the user part is not a common word, and it either carries a character prose words do not
(digit, ``.``, ``_``, ``-``, ``+``) or the domain is a known mail provider (``JANE AT GMAIL DOT
COM``). The span covers the whole written form, from the user part to the end of the TLD.

Matching is anchored on the at-sign and its spelled-out forms, found with ``str.find``, so a
post without any costs a few C-speed scans (plus a short check per " at " in its prose).
"""

from __future__ import annotations

import re

from threadline.extract.normalize import Folded
from threadline.extract.url import (
    TLDS,
    is_title_case,
    lower_keeping_offsets,
    scan_labels,
    word_set,
)
from threadline.records import Identifier

#: The at-sign as written: plain, spaced (``jane @ x``), bracketed (``(at)``, ``[@]``,
#: ``{arroba}``) or a spelled-out word between spaces (``at``, ``arroba``, ``arobase``).
_AT_RE = re.compile(
    r"(?P<plain>@)"
    r"|(?P<spaced>[ \t]{1,8}@[ \t]{1,8})"
    r"|(?P<bracket>[ \t]{0,8}[(\[{<][ \t]{0,8}(?:at|@|arroba|arobase)[ \t]{0,8}[)\]}>][ \t]{0,8})"
    r"|(?P<word>[ \t]{1,8}(?:at|arroba|arobase)[ \t]{1,8})",
    re.IGNORECASE,
)
#: Spelled-out at-signs as they begin inside brackets.
_BRACKETED_AT = ("at", "@", "arroba", "arobase")
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_LOCAL_EDGE = "._%+-"
_MAX_LOCAL = 64
#: Second-level names of large mail providers: enough to trust ``jane at gmail dot com``.
MAIL_PROVIDERS = word_set(
    "gmail googlemail yahoo ymail rocketmail hotmail outlook live msn icloud mac aol proton "
    "protonmail pm tutanota tuta gmx mail yandex zoho fastmail hushmail mailfence inbox "
    "email posteo disroot riseup"
)
#: Common words that come before a spelled-out "at" in prose, never a mailbox name there.
_PROSE_WORDS = word_set(
    "me us you him her them it i we they be is am are was were here there home work out up in "
    "on back now only available look looking call text email mail contact reach find meet see "
    "stay staying arrive arriving located live living open book booked the a an this that and "
    "or but so just also still all one two now today tonight night day me"
)


def _local_start(text: str, end: int) -> int:
    """Start of the user part that ends at ``end`` (a short backwards walk), or ``end``."""
    start = end
    floor = max(0, end - _MAX_LOCAL - 1)
    while start > floor and text[start - 1] in _LOCAL_CHARS:
        start -= 1
    if start == floor and start > 0 and text[start - 1] in _LOCAL_CHARS:
        return end  # longer than any user part: not an address
    return start


def _domain(text: str, pos: int, *, spelled_out: bool) -> tuple[int, str, list[str]] | None:
    """The domain written from ``pos``: its end, lowercase form and separator kinds, or None.

    The longest run of labels that ends in a known TLD wins; a Title-case last label after a
    plain dot is a sentence that lost its space (``jane@x.com.Call me``) and is dropped.
    """
    spans, kinds = scan_labels(text, pos)
    while len(spans) >= 2:
        last = text[spans[-1][0] : spans[-1][1]]
        before = text[spans[-2][0] : spans[-2][1]]
        title_break = kinds[-1] == "plain" and is_title_case(last) and not is_title_case(before)
        if last.lower() in TLDS and not title_break:
            break
        spans.pop()
        kinds.pop()
    if len(spans) < 2:
        return None
    labels = [text[s:e].lower() for s, e in spans]
    if spelled_out and labels[0] in _PROSE_WORDS:
        return None
    return spans[-1][1], ".".join(labels), kinds


def email_at(text: str, pos: int) -> tuple[int, str] | None:
    """An email (any written form) whose user part starts exactly at ``pos``: (end, canonical).

    For other extractors that expect an email after a cue (``zelle: jane@x.com``).
    """
    run_end = pos
    limit = min(len(text), pos + _MAX_LOCAL + 1)
    while run_end < limit and text[run_end] in _LOCAL_CHARS:
        run_end += 1
    # The user part may contain dots, so the at-sign is the first one after the run.
    at = _AT_RE.match(text, run_end)
    if at is None or run_end == pos:
        return None
    parsed = _parse(text, pos, at, _domain_after(text, at))
    if parsed is None or parsed[0] != pos:
        return None
    return parsed[1], parsed[2]


def _domain_after(text: str, at: re.Match[str]) -> tuple[int, str, list[str]] | None:
    """The domain after the at-sign ``at`` (see :func:`_domain`); spelled-out forms need more."""
    return _domain(text, at.end(), spelled_out=at.lastgroup in ("word", "spaced"))


def _parse(
    text: str,
    local_start: int,
    at: re.Match[str],
    domain: tuple[int, str, list[str]] | None,
) -> tuple[int, int, str] | None:
    """Check one candidate: user part from ``local_start`` to the at-sign ``at``, then
    ``domain`` (from :func:`_domain_after`).

    Returns (start, end, canonical) or None.
    """
    start = local_start
    while start < at.start() and text[start] in _LOCAL_EDGE:
        start += 1
    local = text[start : at.start()]
    if not local or local.endswith(".") or ".." in local or len(local) > _MAX_LOCAL:
        return None
    if start > 0 and text[start - 1] == "@":
        return None  # a@b@c: not one address
    if domain is None:
        return None
    kind = at.lastgroup
    spelled_out = kind == "word"
    end, host, dot_kinds = domain
    lowered = local.lower()
    if spelled_out:
        if lowered in _PROSE_WORDS:
            return None
        unusual = any(not ch.isalpha() for ch in local)
        provider = any(label in MAIL_PROVIDERS for label in host.split(".")[:-1])
        if not (unusual or provider):
            return None
    elif kind == "plain" and "word" in dot_kinds and lowered in _PROSE_WORDS:
        return None
    return start, end, f"{lowered}@{host}"


def _at_candidates(text: str, lowered: str) -> set[int]:
    """Where an at-sign as written may be, from ``str.find`` anchors (cheap on plain ads)."""
    found: set[int] = set()
    anchor = text.find("@")
    while anchor != -1:
        found.add(anchor)
        anchor = text.find("@", anchor + 1)
    anchor = lowered.find(" at")
    while anchor != -1:
        found.add(anchor)
        anchor = lowered.find(" at", anchor + 1)
    anchor = lowered.find("rob")  # arroba, arobase
    while anchor != -1:
        if anchor >= 2 and lowered.startswith("arroba", anchor - 2):
            found.add(anchor - 2)
        elif anchor >= 1 and lowered.startswith("arobase", anchor - 1):
            found.add(anchor - 1)
        anchor = lowered.find("rob", anchor + 1)
    for bracket in "([{<":
        anchor = text.find(bracket)
        while anchor != -1:
            if lowered[anchor + 1 : anchor + 9].lstrip(" \t").startswith(_BRACKETED_AT):
                found.add(anchor)
            anchor = text.find(bracket, anchor + 1)
    return found


def _at_tokens(text: str) -> list[re.Match[str]]:
    """Every at-sign as written, in order, from anchors checked by :data:`_AT_RE`."""
    starts: set[int] = set()
    for anchor in _at_candidates(text, lower_keeping_offsets(text)):
        start = anchor
        while start > 0 and text[start - 1] in " \t":
            start -= 1
        if start > 0 and text[start - 1] in "([{<":
            start -= 1
            while start > 0 and text[start - 1] in " \t":
                start -= 1
        starts.add(start)
        starts.add(anchor)
    tokens: list[re.Match[str]] = []
    taken = 0
    for start in sorted(starts):
        if start < taken:
            continue
        token = _AT_RE.match(text, start)
        if token is not None:
            tokens.append(token)
            taken = token.end()
    return tokens


def find(folded: Folded, region: str) -> list[Identifier]:
    """Emails in ``folded`` (``region`` is unused: addresses carry no national form)."""
    text = folded.text
    found: list[Identifier] = []
    done = 0
    for at in _at_tokens(text):
        if at.start() < done:
            continue
        # The domain first: prose ("Romantic at heart and") has none, which settles it
        # before the walk back over the user part.
        domain = _domain_after(text, at)
        if domain is None:
            continue
        local_start = _local_start(text, at.start())
        if local_start == at.start() or local_start < done:
            continue
        parsed = _parse(text, local_start, at, domain)
        if parsed is None:
            continue
        start, end, canonical = parsed
        orig_start, orig_end = folded.span(start, end)
        found.append(
            Identifier(
                "email", folded.original[orig_start:orig_end], canonical, orig_start, orig_end
            )
        )
        done = end
    return found
