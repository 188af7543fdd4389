"""URLs and bare domains in ad text, including the obfuscated dots ads use to dodge filters.

Canonical form (DESIGN.md): lowercase host plus path, no scheme, no ``www.``. The decisions
that the contract leaves open, made so that one link written two ways links two posts, and two
different links never do:

* **host**: lowercased; a leading ``www.`` dropped; a port kept unless it is 80 or 443.
* **path**: case kept (paths are case-sensitive: ``bit.ly/AbC`` and ``bit.ly/abc`` are two
  links); trailing slashes dropped (``site.com/`` == ``site.com``, ``site.com/x/`` ==
  ``site.com/x``).
* **query**: kept, minus tracking parameters (``utm_*``, ``fbclid``, ``gclid``, ``igshid``...),
  which differ per share of the same link.
* **fragment**: dropped (never sent to the server).
* **trailing punctuation**: ``. , ; : ! ? * ' "`` and unbalanced closing brackets at the end
  are prose, not URL: ``visit site.com/x.`` -> ``site.com/x``.

How sure a host must look depends on how it is written: with a scheme, ``www.``, bracketed dots
(``verify-me(.)com``, ``[dot]``) or a path, any TLD from the shipped list counts; a bare
``word.tld`` (or ``word dot tld``) needs a TLD commonly seen in ads and not an English word or
file extension, because sloppy prose ("town.Call me", "photo.zip") looks just like it.
``.onion`` hosts are kept when their label is a v2 (16) or v3 (56) base32 name.

Matching is anchored on separators (``.``, ``://``, ``dot``...) found with ``str.find``, so a
post without a URL costs a few C-speed scans and a short check per sentence-ending dot.
"""

from __future__ import annotations

import re
from importlib import resources

from threadline.extract.normalize import Folded
from threadline.records import Identifier


def word_set(words: str) -> frozenset[str]:
    """The whitespace-separated words of ``words``: compact source for long word lists."""
    return frozenset(words.split())


def _load_tlds() -> frozenset[str]:
    """Read the shipped TLD list once (package data, never downloaded)."""
    raw = resources.files("threadline").joinpath("data/tlds.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower()
        for line in raw.splitlines()
        if line.strip() and not line.startswith("#")
    )


#: Every top-level domain of the IANA root zone (plus ``onion``), lowercase.
TLDS: frozenset[str] = _load_tlds()

#: TLDs that are also English words or abbreviations common in ad prose: never enough on
#: their own for a bare ``word.tld`` (``town.in``, ``10.am``, ``ok.so``).
_WORD_TLDS = word_set(
    "me us in is it at to my no so be by do go am pm as an or id hi la ms st mr ok ad ws tv"
)
#: TLDs that are also file extensions (``photo.zip``, ``clip.mov``, ``run.sh``).
_FILE_TLDS = word_set("zip mov py sh md rs ps pl pk cs ai ts")
#: Generic TLDs frequent enough in ads to accept in a bare ``word.tld``.
_COMMON_GTLDS = word_set(
    "com net org info biz edu gov mil int mobi name pro xyz online site top club vip app dev "
    "shop store icu xxx porn sex adult tube cam link onion website space tech blog cloud"
)
#: TLDs accepted in a bare ``word.tld``: common generic ones and country codes that are
#: neither words nor file extensions.
BARE_TLDS: frozenset[str] = _COMMON_GTLDS | frozenset(
    tld for tld in TLDS if len(tld) == 2 and tld not in _WORD_TLDS and tld not in _FILE_TLDS
)
#: Words that are never the name part of a spelled-out domain ("the dot com").
_NAME_STOPWORDS = word_set(
    "a an the this that my your his her our their its me you us him them it i we they and or "
    "at in on of to for with dot"
)

#: A DNS name has at most 127 labels; reading no further keeps hostile input linear.
MAX_LABELS = 127
#: One DNS label (ASCII; IDN hosts are out of scope).
LABEL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?![A-Za-z0-9])")
#: Up to :data:`MAX_LABELS` labels joined by plain dots: what :func:`scan_labels` reads one
#: label at a time, in one match.
_PLAIN_HOST_RE = re.compile(rf"{LABEL_RE.pattern}(?:\.{LABEL_RE.pattern}){{0,{MAX_LABELS - 1}}}")
#: A dot between labels, as written: plain, spaced (``a . com``), bracketed (``(.)``,
#: ``[dot]``, ``{punto}``) or a spelled-out word (``dot``, Spanish ``punto``, Portuguese ``ponto``).
DOT_RE = re.compile(
    r"(?P<plain>\.)"
    r"|(?P<spaced>[ \t]{1,8}\.[ \t]{1,8})"
    r"|(?P<bracket>[ \t]{0,8}[(\[{<][ \t]{0,8}(?:\.|dot|punto|ponto)[ \t]{0,8}[)\]}>][ \t]{0,8})"
    r"|(?P<word>[ \t]{1,8}(?:dot|punto|ponto)[ \t]{1,8})",
    re.IGNORECASE,
)
#: A dot that may join two labels: between host characters, right after a bracket
#: (``(.)``) or between spaces (`` . ``). It begins with the literal dot, so ``re`` jumps
#: from dot to dot at C speed and the look-arounds reject sentence ends.
_DOT_ANCHOR_RE = re.compile(
    r"\.(?:(?<=[A-Za-z0-9\-]\.)(?=[A-Za-z0-9\-])|(?<=[(\[{<]\.)|(?<=[ \t]\.)(?=[ \t]))"
)
#: The characters a non-plain written dot (:data:`DOT_RE`) can begin with.
_DOT_OPENERS = " \t([{<"
_SCHEME_RE = re.compile(r"(?:https?|hxxps?|ftp)://", re.IGNORECASE)
_PORT_RE = re.compile(r":(\d{1,5})(?![\d])")
#: Path, query and fragment; capped so that a hostile run without spaces stays cheap.
_PATH_RE = re.compile(r"[/?#][^\s<>\"'`]{0,2047}")
#: Text right before a host that makes it the domain of an email, not a URL.
_EMAIL_BEFORE_RE = re.compile(
    r"(?:@|[(\[{<][ \t]{0,8}(?:at|@|arroba|arobase)[ \t]{0,8}[)\]}>]"
    r"|(?<![A-Za-z])(?:arroba|arobase))[ \t]{0,8}$",
    re.IGNORECASE,
)
_ARTICLE_BEFORE_RE = re.compile(
    r"(?<![A-Za-z])(?:the|a|an|this|that|my|your|our|his|her|their)[ \t]{1,8}$", re.IGNORECASE
)
_ONION_NAME_RE = re.compile(r"(?:[a-z2-7]{16}|[a-z2-7]{56})")
_IPV4_LABEL_RE = re.compile(r"25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d")
_TRACKING_PARAMS = word_set("fbclid gclid dclid msclkid igshid mc_cid mc_eid yclid _ga si")
_DIGITS_AND_HYPHEN = "0123456789-"
_HOST_CHAR_STRING = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"
_HOST_CHARS = frozenset(_HOST_CHAR_STRING)
_TRAILING_PUNCT = ".,;:!?*'\""
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_TRIMMABLE = frozenset(_TRAILING_PUNCT) | frozenset(_CLOSERS)


def scan_labels(text: str, pos: int) -> tuple[list[tuple[int, int]], list[str]]:
    """Labels of a host written from ``pos``: their spans, and each separator's kind.

    ``kinds[i]`` is the :data:`DOT_RE` group (plain, spaced, bracket, word) of the separator
    before label ``i + 1``. At most :data:`MAX_LABELS` labels are read, so a run of dots
    costs linear time. Shared with the email extractor.
    """
    plain_run = _PLAIN_HOST_RE.match(text, pos)
    if plain_run is None:
        return [], []
    # The labels joined by plain dots, in one match (the usual host); the loop below reads on
    # only past a written dot of another kind.
    spans: list[tuple[int, int]] = []
    label_start = pos
    for written in plain_run.group().split("."):
        spans.append((label_start, label_start + len(written)))
        label_start += len(written) + 1
    kinds = ["plain"] * (len(spans) - 1)
    end = plain_run.end()
    length = len(text)
    while len(spans) < MAX_LABELS and end < length:
        following = text[end]
        if following == ".":  # what DOT_RE's first branch would match, without the call
            dot_end = end + 1
            kind = "plain"
        elif following in _DOT_OPENERS:
            dot = DOT_RE.match(text, end)
            if dot is None:
                break
            dot_end = dot.end()
            kind = dot.lastgroup or "plain"
        else:
            break  # no written dot starts with anything else
        label = LABEL_RE.match(text, dot_end)
        if label is None:
            break
        kinds.append(kind)
        spans.append(label.span())
        end = label.end()
    return spans, kinds


def is_title_case(word: str) -> bool:
    """``"Call"``: how a sentence starts after a missing space, unlike a TLD (``com``, ``COM``)."""
    return len(word) > 1 and word[0].isupper() and word[1:].islower()


def _is_ipv4(labels: list[str]) -> bool:
    return len(labels) == 4 and all(_IPV4_LABEL_RE.fullmatch(label) for label in labels)


def _host_ok(
    labels: list[str], kinds: list[str], *, prefixed: bool, has_path: bool, after_article: bool
) -> bool:
    """Whether ``labels`` (as written) look like a real host given how they were written.

    ``prefixed`` means a scheme or ``www.`` vouches for the host, ``has_path`` a path after it,
    ``after_article`` that a determiner comes right before it ("the hotel dot com": prose).
    """
    tld = labels[-1].lower()
    if tld not in TLDS:
        return False
    name = labels[-2].lower()
    if tld == "onion":
        return _ONION_NAME_RE.fullmatch(name) is not None
    if not name.strip(_DIGITS_AND_HYPHEN):  # labels are ASCII: the rest are letters
        return False  # 5.5, 10.am, 1.2.com
    if "bracket" in kinds:
        return True  # verify-me(.)com: deliberate
    if "word" in kinds or "spaced" in kinds:
        return (
            tld in BARE_TLDS and name not in _NAME_STOPWORDS and len(name) > 1 and not after_article
        )
    if prefixed:
        return True
    if has_path:
        return tld not in _FILE_TLDS
    if is_title_case(labels[-1]) and not is_title_case(labels[-2]):
        return False  # Hello.My name, town.Call me
    return tld in BARE_TLDS


def _trim_path(path: str) -> str:
    """Drop trailing prose punctuation and unbalanced closing brackets from a path."""
    if not path or path[-1] not in _TRIMMABLE:
        return path  # the common case: nothing to weigh
    unbalanced = {
        closer: path.count(closer) - path.count(opener) for closer, opener in _CLOSERS.items()
    }
    end = len(path)
    while end:
        last = path[end - 1]
        if last in _TRAILING_PUNCT:
            end -= 1
        elif unbalanced.get(last, 0) > 0:
            unbalanced[last] -= 1
            end -= 1
        else:
            break
    return path[:end]


def canonical_path(path: str) -> str:
    """Path plus query as the canonical form keeps them (see the module docstring)."""
    path = path.split("#", 1)[0]
    path, _, query = path.partition("?")
    path = path.rstrip("/")
    if query:
        kept = [
            param
            for param in query.split("&")
            if param
            and not param.lower().startswith("utm_")
            and param.split("=", 1)[0].lower() not in _TRACKING_PARAMS
        ]
        if kept:
            return path + "?" + "&".join(kept)
    return path


def lower_keeping_offsets(text: str) -> str:
    """``text`` lowercased with every index unchanged, for ``str.find`` anchors.

    A few characters lowercase to two (``İ``); those are left as they are.
    """
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


def ascii_lowered(text: str) -> str:
    """``text`` with ASCII letters lowercased and every other character ``?``: same offsets.

    For ``str.find`` of ASCII anchors ("dot", "snap") it finds what :func:`lower_keeping_offsets`
    finds, at half the cost on non-ASCII text, except for the one non-ASCII character that
    lowercases to ASCII: the Kelvin sign (U+212A), ``k``.
    """
    if text.isascii():
        return text.lower()
    return text.encode("ascii", "replace").lower().decode("ascii")


def positions(haystack: str, needle: str) -> list[int]:
    """Every index of ``needle`` in ``haystack`` (``str.find`` runs at C speed)."""
    found: list[int] = []
    index = haystack.find(needle)
    while index != -1:
        found.append(index)
        index = haystack.find(needle, index + 1)
    return found


def claim(taken: bytearray, start: int, end: int) -> bool:
    """Mark ``[start, end)`` in ``taken`` unless part of it already is; whether it was free.

    Keeps one kind's results from overlapping at a cost independent of how many there are.
    """
    if taken.find(1, start, end) != -1:
        return False
    taken[start:end] = b"\x01" * (end - start)
    return True


def _label_start(text: str, end: int) -> int:
    """Start of the run of host characters that ends at ``end`` (at most 64 back).

    ``str.rstrip`` walks back over them at C speed.
    """
    floor = max(0, end - 64)
    return floor + len(text[floor:end].rstrip(_HOST_CHAR_STRING))


def _obfuscated_start(text: str, anchor: int) -> int | None:
    """Start of the label before an obfuscated dot at ``anchor`` (past spaces and a bracket)."""
    label_end = anchor
    while label_end > 0 and text[label_end - 1] in " \t":
        label_end -= 1
    if label_end > 0 and text[label_end - 1] in "([{<":
        label_end -= 1
        while label_end > 0 and text[label_end - 1] in " \t":
            label_end -= 1
    start = _label_start(text, label_end)
    return start if start < label_end else None


def _candidates(text: str) -> list[int]:
    """Where a URL may start, from its anchors: a scheme, a dot or an obfuscated dot.

    Scans run in C: ``str.find`` for the scheme and spelled-out dots, and one pattern that
    begins with a literal dot, whose look-arounds reject sentence ends ("town. Call") without
    any Python work. Starts that :func:`find` would skip anyway are left out here.
    """
    starts: set[int] = set()
    # Each anchor is tested with ``in`` first: most posts have none, and ``in`` is cheaper
    # than a ``str.find`` call.
    anchor = text.find("://") if "://" in text else -1
    while anchor != -1:
        start = anchor
        while start > 0 and text[start - 1].isalpha() and anchor - start < 5:
            start -= 1
        if start < anchor:
            starts.add(start)
        anchor = text.find("://", anchor + 1)
    for dot in _DOT_ANCHOR_RE.finditer(text):
        anchor = dot.start()
        if text[anchor - 1] in _HOST_CHARS:  # a dot between labels
            start = _label_start(text, anchor)
            if not (start >= 2 and text[start - 1] == "." and text[start - 2] in _HOST_CHARS):
                starts.add(start)  # else the middle of a host, read from the host's start
        else:  # a bracketed (verify-me(.)com) or spaced (verify-me . com) dot
            bracketed = _obfuscated_start(text, anchor)
            if bracketed is not None:
                starts.add(bracketed)
    lowered = ascii_lowered(text)  # the anchors hold no "k"
    anchor = lowered.find("dot") if "dot" in lowered else -1
    while anchor != -1:
        spelled = _obfuscated_start(text, anchor)
        if spelled is not None:
            starts.add(spelled)
        anchor = lowered.find("dot", anchor + 1)
    # punto, ponto: one scan for both
    anchor = lowered.find("nto") if "nto" in lowered else -1
    while anchor != -1:
        if anchor >= 2 and lowered[anchor - 2 : anchor] in ("pu", "po"):
            spelled = _obfuscated_start(text, anchor - 2)
            if spelled is not None:
                starts.add(spelled)
        anchor = lowered.find("nto", anchor + 1)
    return sorted(starts) if len(starts) > 1 else list(starts)


def _email_before(text: str, start: int) -> bool:
    """Whether an at-sign as written comes right before ``start`` (the host of an email).

    Every form :data:`_EMAIL_BEFORE_RE` knows ends, past spaces, in ``@``, a closing bracket
    or the last letter of ``arroba``/``arobase``: one character rules most hosts out. (Its
    ``$`` also matches before a final newline, so one newline is skipped first.)
    """
    before = start - 1 if start > 0 and text[start - 1] == "\n" else start
    while before > 0 and text[before - 1] in " \t":
        before -= 1
    if before == 0 or text[before - 1] not in "@)]}>aAeE":
        return False
    return _EMAIL_BEFORE_RE.search(text, max(0, start - 12), start) is not None


def _parse_at(text: str, start: int) -> tuple[int, str | None]:
    """Parse a URL starting at ``start``: its end and canonical form.

    A rejected candidate gives None and the end of what was read, so that later anchors inside
    it are not read again (which keeps hostile runs of dots linear).
    """
    scheme = _SCHEME_RE.match(text, start) if text[start] in "hHfF" else None
    host_pos = scheme.end() if scheme else start
    spans, kinds = scan_labels(text, host_pos)
    if len(spans) < 2:
        return host_pos, None
    labels = [text[s:e] for s, e in spans]
    host_end = spans[-1][1]
    path_after = (
        _PATH_RE.match(text, host_end) if host_end < len(text) and text[host_end] in "/?#" else None
    )
    trimmed_after = _trim_path(path_after.group()) if path_after is not None else ""
    all_plain = kinds.count("plain") == len(kinds)
    if scheme and all_plain and _is_ipv4(labels):
        cut = 4
    else:
        has_www = kinds[0] == "plain" and labels[0].lower() == "www"
        # Only a spelled-out or spaced dot asks whether an article comes first.
        after_article = not all_plain and (
            ("word" in kinds or "spaced" in kinds)
            and _ARTICLE_BEFORE_RE.search(text, max(0, start - 8), start) is not None
        )
        # A lone "?" or "/." after a host is punctuation, not a path.
        path_written = path_after is not None and len(trimmed_after) > 1
        cut = 0
        for size in range(len(labels), 1, -1):
            if labels[size - 1].lower() in TLDS and _host_ok(
                labels[:size],
                kinds[: size - 1],
                prefixed=bool(scheme) or (has_www and size > 2),
                has_path=size == len(labels) and path_written,
                after_article=after_article,
            ):
                cut = size
                break
        if cut == 0 or (has_www and cut == 2):
            return (path_after.end() if path_after else host_end), None
    end = spans[cut - 1][1]
    host = ".".join(labels[:cut]).lower()  # labels are ASCII: lowering the join is the same
    if host.startswith("www."):
        host = host[4:]
    if cut == len(labels) and all_plain:
        port = _PORT_RE.match(text, end)
        if port is not None and int(port.group(1)) <= 65535:
            if port.group(1) not in ("80", "443"):
                host += ":" + port.group(1)
            end = port.end()
        if end == host_end:
            path: str | None = trimmed_after if path_after is not None else None
        else:
            path_match = _PATH_RE.match(text, end)
            path = _trim_path(path_match.group()) if path_match is not None else None
        if path is not None:
            end += len(path)
            host += canonical_path(path)
    if end < len(text) and text[end] == "@":
        return end, None  # jane.me@gmail.com: the local part of an email
    return end, host


def find(folded: Folded, region: str) -> list[Identifier]:
    """URLs in ``folded`` (``region`` is unused: URLs carry no national form)."""
    text = folded.text
    found: list[Identifier] = []
    done = 0
    for start in _candidates(text):
        if start < done:
            continue
        if start >= 3 and text[start - 3 : start] == "://":
            continue  # the host after a scheme: parsed from the scheme's start
        if start >= 2 and text[start - 1] == "." and text[start - 2] in _HOST_CHARS:
            continue  # the middle of a host, rejected from its start
        if start > 0 and text[start - 1] in "_/":
            continue
        if _email_before(text, start):
            continue
        end, canonical = _parse_at(text, start)
        done = end
        if canonical is None:
            continue
        orig_start, orig_end = folded.span(start, end)
        found.append(
            Identifier("url", folded.original[orig_start:orig_end], canonical, orig_start, orig_end)
        )
    return found
