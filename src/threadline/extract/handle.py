"""Messenger and social-media handles: the contact routes ads move buyers to.

Canonical form (DESIGN.md): ``platform:username``, lowercase, with ``platform`` one of
:data:`threadline.records.HANDLE_PLATFORMS`. WhatsApp has phone numbers, not usernames:
``whatsapp:+12125550123`` (E.164, parsed with phonenumbers and the post's region).

Two written forms:

* **links**: ``instagram.com/jane.x``, ``t.me/jane_x``, ``wa.me/12125550123``,
  ``x.com/jane``, ``tiktok.com/@jane``, ``onlyfans.com/jane``, ``facebook.com/jane.doe``,
  ``snapchat.com/add/jane_x``, ``kik.me/jane_x`` (scheme and ``www.`` optional). Reserved
  paths (``instagram.com/p/...``, ``facebook.com/login``) are not usernames.
* **cues**: a platform name or abbreviation, a separator and optional filler words, then the
  username: ``SC: jane_x``, ``snapchat jane_x``, ``sc-jane_x``, ``IG @jane.x``,
  ``kik me jane_x``, ``TG: jane_x``, ``whatsapp +1 212 555 0123``, ``OF: jane``, and the
  ghost emoji that is Snapchat's logo (``👻 jane_x``). Two-letter cues (``SC``, ``IG``,
  ``WA``, ``FB``...) are also state codes and words, so they need a ``:``/``-``/``=``
  separator or an ``@`` before the username (and ``SC``/``WA`` right after "City," are
  states); ``OF`` and ``X`` must be upper-case.

The username must follow the platform's own rules (characters, length, first and last
character), so sentence punctuation and following words are not swallowed; a username that is
a common word ("snap me later", "insta only") is prose, and one followed by ``@`` is an email.
After a cue and spaces alone (no ``:``, ``-`` or ``@``), a username of letters only is taken
for prose too ("snapchat premium available"): ``snapchat jane_x`` is kept, ``snapchat janex``
is not.
A bare ``@jane`` names no platform and is not a handle.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

import phonenumbers

from threadline.extract.normalize import Folded
from threadline.extract.url import claim, lower_keeping_offsets, word_set
from threadline.records import Identifier

#: Words that fill the gap between a cue and the username ("kik me at jane_x").
_FILLER = (
    r"(?:me|at|is|es|on|id|add|only|here|name|user(?:name)?|handle|account|acct|info|en|al)"
    r"(?![A-Za-z0-9_.])[ \t]{0,8}[:=\-]?[ \t]{0,8}"
)
#: What may follow a cue: a separator, filler words, an optional at-sign.
AFTER_CUE_RE = re.compile(
    r"(?P<sep>[ \t]{0,8}[:=~>|\-]{1,4}[ \t]{0,8}|[ \t]{1,8})?"
    r"(?P<fill>(?:" + _FILLER + r"){0,4})"
    r"(?P<at>@[ \t]?)?",
    re.IGNORECASE,
)
_CUE_RE = re.compile(
    r"(?<![A-Za-z0-9_@./\-])(?:"
    r"(?P<snapchat>snap[ \t]?chat|snap|sc|snp)"
    r"|(?P<instagram>insta[ \t]?gram|insta|ig)"
    r"|(?P<telegram>tele[ \t]?gram|tg)"
    r"|(?P<kik>kik)"
    r"|(?P<whatsapp>whats[ \t]?app|whatsap|watsapp|wsp|wa)"
    r"|(?P<x>twitter|(?-i:X))"
    r"|(?P<tiktok>tik[ \t]?tok)"
    r"|(?P<onlyfans>only[ \t]?fans|(?-i:OF))"
    r"|(?P<facebook>face[ \t]?book|fb)"
    r")(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_SNAPCHAT_GHOST = "\U0001f47b"
_KELVIN = "\u212a"
#: Cues short or common enough to need a punctuation separator or an at-sign.
_WEAK_CUES = word_set("sc snp ig tg wa wsp x of fb")
#: How every other cue begins, found with ``str.find`` in the lowercased text.
_STRONG_CUE_PREFIXES = (
    "snap",
    "insta",
    "tele",
    "kik",
    "whats",
    "watsapp",
    "twitter",
    "tik",
    "onlyfans",
    "only fans",
    "face",
)
#: One ``str.find`` needle per group of those prefixes (``ik`` finds both ``kik`` and ``tik``),
#: with each prefix and the needle's offset in it: fewer scans of every post.
_STRONG_CUE_NEEDLES: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = tuple(
    (
        needle,
        tuple(
            (prefix, prefix.index(needle)) for prefix in _STRONG_CUE_PREFIXES if needle in prefix
        ),
    )
    for needle in ("snap", "insta", "tele", "ik", "ats", "twitter", "fans", "face")
)
#: Weak cues that are also US state codes, written after a city and a comma.
_STATE_CODE_CUES = word_set("sc wa")
_WEAK_CUE_LAST_LETTERS = frozenset(cue[-1] for cue in _WEAK_CUES)
#: Characters that may follow a weak cue (with spaces between).
_WEAK_CUE_FOLLOWERS = ":=~>|-@"
#: In the anchor text every follower is written ``:``, so one scan finds them all.
_FOLLOWER_MARK = ":"
#: Anchor text of ASCII: letters lowercased, followers marked, the rest as it is.
_ANCHOR_TABLE = bytes.maketrans(
    (_WEAK_CUE_FOLLOWERS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ").encode("ascii"),
    (_FOLLOWER_MARK * len(_WEAK_CUE_FOLLOWERS) + "abcdefghijklmnopqrstuvwxyz").encode("ascii"),
)
_MARK_FOLLOWERS = str.maketrans(dict.fromkeys(_WEAK_CUE_FOLLOWERS, _FOLLOWER_MARK))
#: A username candidate; longer than any platform allows is cut, then rejected as unfinished.
_USER_RUN_RE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
#: Each platform's username rules, applied to the lowercase username.
USERNAME_RULES: dict[str, re.Pattern[str]] = {
    # 3-15, starts with a letter, ends with a letter or digit.
    "snapchat": re.compile(r"[a-z][a-z0-9._-]{1,13}[a-z0-9]"),
    # 1-30 letters, digits, _ and ., no leading/trailing or double dot.
    "instagram": re.compile(r"(?!.*\.\.)[a-z0-9_](?:[a-z0-9._]{0,28}[a-z0-9_])?"),
    # 5-32, starts with a letter, no trailing underscore.
    "telegram": re.compile(r"[a-z][a-z0-9_]{3,30}[a-z0-9]"),
    # 2-20, starts with a letter.
    "kik": re.compile(r"[a-z][a-z0-9._]{1,19}"),
    # 1-15 letters, digits and underscores.
    "x": re.compile(r"[a-z0-9_]{1,15}"),
    # 2-24, no trailing dot.
    "tiktok": re.compile(r"[a-z0-9_][a-z0-9._]{0,22}[a-z0-9_]"),
    # 2-30 letters, digits, _ . -
    "onlyfans": re.compile(r"[a-z0-9_][a-z0-9._-]{0,28}[a-z0-9_]"),
    # 5-50 letters, digits and dots.
    "facebook": re.compile(r"[a-z0-9][a-z0-9.]{3,48}[a-z0-9]"),
}
#: Paths of each site that are pages, not profiles.
RESERVED_PATHS: dict[str, frozenset[str]] = {
    "instagram": word_set(
        "p reel reels explore stories accounts direct tv about developer legal web "
        "challenge emails session oauth api privacy terms"
    ),
    "telegram": word_set(
        "joinchat addstickers addemoji addtheme share proxy socks c s iv login setlanguage "
        "confirmphone contact"
    ),
    "x": word_set(
        "home explore search i intent share settings login logout signup messages "
        "notifications hashtag tos privacy compose about account jobs"
    ),
    "onlyfans": word_set("my action files api2 help terms privacy about login"),
    "facebook": word_set(
        "login login.php logout.php profile.php pages groups events photo photo.php photos "
        "watch marketplace sharer sharer.php share help policies privacy settings home.php "
        "hashtag gaming story.php permalink.php dialog plugins people public search notes "
        "messages friends reel reels stories business ads legal about l.php recover "
        "checkpoint media video.php videos watch"
    ),
    "snapchat": word_set("add discover spotlight"),
    "kik": frozenset(),
    "tiktok": frozenset(),
}
#: Common words (and ad vocabulary) that are prose after a cue, not usernames; shared with
#: the payment extractor.
PROSE_WORDS = word_set(
    """
    a an the and or but if so to of in on at by for from with without about as is are be
    been was were am me my mine you your yours u ur he him his she her hers it its we us our
    they them their this that these those here there now then today tonight later soon only
    just also too very more most all any some no not yes ok okay please pls plz thanks thx
    add follow dm pm msg message messages text txt call calls contact reach hit find me
    available avail open online offline active new real verified verify verification link
    links bio profile account acct info details pics pic photos photo videos video vids vid
    content premium free paid private public story stories chat chats story only fans
    same name username user handle id number num phone cell mobile app apps page pages
    first last best good great nice hot sexy sweet baby babe honey girl girls boy boys guy
    guys man men woman women lady ladies friend friends people everyone anyone someone
    do does did done can could will would should must may might need want like love get
    got go going come coming see seen look looking meet send sent back up down out over
    under again still never always anytime everyday daily night day week weekend hours hour
    or and nor either neither both each every other another such what when where which who
    whom whose why how one two three four five six seven eight nine ten
    """
)
#: How every profile link's domain ends, in the lowercased text. The pattern begins with a
#: literal dot, so ``re`` jumps from dot to dot at C speed.
_LINK_ANCHOR_RE = re.compile(r"\.(?:com|me|am|dog)/")
_HANDLE_URL_RE = re.compile(
    r"(?<![A-Za-z0-9.@\-])(?:https?://)?(?:(?:www|m|mobile|web|api)\.)?"
    r"(?P<domain>instagram\.com|instagr\.am|t\.me|telegram\.me|telegram\.dog|wa\.me"
    r"|whatsapp\.com|x\.com|twitter\.com|tiktok\.com|onlyfans\.com|facebook\.com|fb\.com"
    r"|fb\.me|snapchat\.com|kik\.me)/",
    re.IGNORECASE,
)
_PLATFORM_OF_DOMAIN = {
    "instagram.com": "instagram",
    "instagr.am": "instagram",
    "t.me": "telegram",
    "telegram.me": "telegram",
    "telegram.dog": "telegram",
    "wa.me": "whatsapp",
    "whatsapp.com": "whatsapp",
    "x.com": "x",
    "twitter.com": "x",
    "tiktok.com": "tiktok",
    "onlyfans.com": "onlyfans",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "fb.me": "facebook",
    "snapchat.com": "snapchat",
    "kik.me": "kik",
}
#: The path after ``domain/`` that holds the username (group ``user``) or number (``digits``).
_PATH_RE: dict[str, re.Pattern[str]] = {
    "instagram": re.compile(r"(?P<user>[A-Za-z0-9_.]+)"),
    "telegram": re.compile(r"(?:s/)?(?P<user>[A-Za-z0-9_]+)"),
    "whatsapp": re.compile(r"(?:send/?\?phone=)?\+?(?P<digits>\d{7,15})(?!\d)"),
    "x": re.compile(r"(?:#!/)?(?P<user>[A-Za-z0-9_]+)"),
    "tiktok": re.compile(r"@(?P<user>[A-Za-z0-9_.]+)"),
    "onlyfans": re.compile(r"(?P<user>[A-Za-z0-9_.\-]+)"),
    "facebook": re.compile(r"profile\.php\?id=(?P<digits>\d{5,20})(?!\d)|(?P<user>[A-Za-z0-9.]+)"),
    "snapchat": re.compile(r"(?:add/|@)(?P<user>[A-Za-z0-9_.\-]+)"),
    "kik": re.compile(r"(?P<user>[A-Za-z0-9_.]+)"),
}
_PHONE_RUN_RE = re.compile(r"\+?[ \t]?\(?\d[\d \t().\-]{5,24}\d")
_DIGIT_GROUP_RE = re.compile(r"\d+")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def phone_at(text: str, pos: int, region: str) -> tuple[int, str] | None:
    """A valid phone number written from ``pos``: (end, E.164), or None.

    Trailing digit groups that make the number invalid are dropped ("212 555 0123 24/7"), so
    the span ends at the number. Shared with the payment extractor (Zelle).
    """
    run = _PHONE_RUN_RE.match(text, pos)
    if run is None:
        return None
    ends = [group.end() for group in _DIGIT_GROUP_RE.finditer(run.group())]
    default_region = region.upper() if region else None
    for end in reversed(ends[-4:]):
        candidate = run.group()[:end]
        if sum(ch.isdigit() for ch in candidate) < 7:
            break
        e164 = _valid_e164(candidate, default_region)
        if e164 is not None:
            return pos + end, e164
    return None


@lru_cache(maxsize=8192)
def _valid_e164(candidate: str, region: str | None) -> str | None:
    """E.164 of ``candidate`` if phonenumbers finds it valid, else None.

    Memoised (a pure function of its arguments): parsing costs tens of microseconds and the
    posts of one network repeat the same few numbers.
    """
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def continues_word(text: str, end: int) -> bool:
    """Whether a name cut at ``end`` goes on (``jane`` in ``jane-x``): then it is not whole."""
    if end >= len(text):
        return False
    following = text[end]
    if following in _WORD_CHARS:
        return True
    return following in ".-" and end + 1 < len(text) and text[end + 1] in _WORD_CHARS


def _username(text: str, pos: int, platform: str, *, from_link: bool) -> tuple[int, str] | None:
    """A username for ``platform`` written from ``pos``: (end, lowercase), or None."""
    run = _USER_RUN_RE.match(text, pos)
    if run is None:
        return None
    end = run.end()
    if end < len(text) and text[end] == "@":
        return None  # jane@x.com: an email
    user = run.group().rstrip(".")
    end = pos + len(user)
    if not from_link and "." in user and end < len(text) and text[end] == "/":
        return None  # IG: instagram.com/jane: the link form handles it
    lowered = user.lower()
    rule = USERNAME_RULES.get(platform)
    if rule is None or rule.fullmatch(lowered) is None:
        return None
    if not from_link and (lowered in PROSE_WORDS or not any(ch.isalpha() for ch in lowered)):
        return None
    return end, lowered


def _from_link(text: str, match: re.Match[str], region: str) -> tuple[int, str] | None:
    """The handle in a profile link found by :data:`_HANDLE_URL_RE`: (end, canonical)."""
    platform = _PLATFORM_OF_DOMAIN[match.group("domain").lower()]
    path = _PATH_RE[platform].match(text, match.end())
    if path is None:
        return None
    digits = path.group("digits") if "digits" in path.groupdict() else None
    if digits is not None:
        if platform == "facebook":
            return path.end(), f"facebook:{digits}"
        parsed = phone_at("+" + digits, 0, region)
        if parsed is None or parsed[0] != len(digits) + 1:
            return None
        return path.end(), f"whatsapp:{parsed[1]}"
    user_start = path.start("user")
    parsed_user = _username(text, user_start, platform, from_link=True)
    if parsed_user is None:
        return None
    end, user = parsed_user
    if continues_word(text, end) or user in RESERVED_PATHS.get(platform, frozenset()):
        return None
    return end, f"{platform}:{user}"


def _from_cue(
    text: str, cue_start: int, cue_end: int, platform: str, region: str
) -> tuple[int, str] | None:
    """The handle after a platform cue ``text[cue_start:cue_end]``: (end, canonical)."""
    after = AFTER_CUE_RE.match(text, cue_end)
    if after is None:  # pragma: no cover - every group is optional, so it always matches
        return None
    separator = after.group("sep") or ""
    filler = after.group("fill")
    has_at = after.group("at") is not None
    if not (separator or has_at or filler):
        return None  # snap.jane, ig_jane: not a cue
    punctuated = has_at or any(ch in ":=~>|-" for ch in separator + filler)
    written_cue = text[cue_start:cue_end].lower()
    if written_cue in _WEAK_CUES and not punctuated:
        return None
    if written_cue in _STATE_CODE_CUES:
        before = cue_start
        while before > 0 and text[before - 1] in " \t":
            before -= 1
        if before > 0 and text[before - 1] == ",":
            return None  # "Seattle, WA - 206 555 0123": a state after its city
    if platform == "whatsapp":
        phone = phone_at(text, after.end(), region)
        if phone is None or continues_word(text, phone[0]):
            return None
        return phone[0], f"whatsapp:{phone[1]}"
    parsed = _username(text, after.end(), platform, from_link=False)
    if parsed is None or continues_word(text, parsed[0]):
        return None
    if not punctuated and parsed[1].isalpha() and not _kik_me_names(text, platform, filler, parsed):
        return None  # "snapchat premium", "kik me later": a plain word after spaces is prose
    return parsed[0], f"{platform}:{parsed[1]}"


#: Words that follow "kik me" in a sentence, besides :data:`PROSE_WORDS`.
_AFTER_KIK_ME = word_set(
    """
    sometime sometimes whenever directly anything something instead asap hun hon daddy papi
    maybe already again right quick quickly first anyway also though lol
    """
)


def _kik_me_names(text: str, platform: str, filler: str, parsed: tuple[int, str]) -> bool:
    """``kik me kikimo``: the idiom names an account even in one plain word, unless that word is
    prose or the sentence goes on in lowercase ("kik me directly for rates")."""
    end, user = parsed
    if platform != "kik" or filler.strip().lower() != "me":
        return False
    if user in PROSE_WORDS or user in _AFTER_KIK_ME:
        return False
    following = end
    while following < len(text) and text[following] in " \t":
        following += 1
    if following == len(text):
        return True
    after = text[following]
    return after == "\n" or after.isupper() or not after.isalnum()


def _folded_index(folded: Folded, original_index: int) -> int:
    """The folded index of an original character that folding kept (a binary search)."""
    return bisect.bisect_left(range(len(folded.text) + 1), original_index, key=folded.offset)


def _anchor_text(text: str) -> str:
    """``text`` with the same offsets, for anchor scans: lowercase, weak-cue followers as ``:``.

    Anchors are ASCII, so other characters become ``?`` (one C-speed translation), unless the
    text holds the Kelvin sign, the one other character that lowercases to ASCII (``k``).
    """
    if _KELVIN in text:
        return lower_keeping_offsets(text).translate(_MARK_FOLLOWERS)
    return text.encode("ascii", "replace").translate(_ANCHOR_TABLE).decode("ascii")


def _cue_starts(text: str, lowered: str) -> list[int]:
    """Where a platform cue may start: its first letters, or a short cue before a separator.

    ``lowered`` is :func:`_anchor_text`. One C-speed scan per word (an ``in`` test, cheaper
    than a ``str.find`` call, as most are absent) and one for every separator at once; Python
    only looks at what they hit.
    """
    starts: set[int] = set()
    for needle, prefixes in _STRONG_CUE_NEEDLES:
        if needle not in lowered:
            continue
        anchor = lowered.find(needle)
        while anchor != -1:
            for prefix, offset in prefixes:
                if anchor >= offset and lowered.startswith(prefix, anchor - offset):
                    starts.add(anchor - offset)
            anchor = lowered.find(needle, anchor + 1)
    anchor = lowered.find(_FOLLOWER_MARK)
    while anchor != -1:
        cue_end = anchor
        while cue_end > 0 and text[cue_end - 1] in " \t":
            cue_end -= 1
        # Most separators follow a longer word or a digit ("Rates:", "555-0123"): one
        # character tells.
        if cue_end > 0 and lowered[cue_end - 1] in _WEAK_CUE_LAST_LETTERS:
            for size in (1, 2, 3):
                cue_start = cue_end - size
                if (
                    cue_start >= 0
                    and lowered[cue_start:cue_end] in _WEAK_CUES
                    and (cue_start == 0 or not text[cue_start - 1].isalpha())
                ):
                    starts.add(cue_start)
        anchor = lowered.find(_FOLLOWER_MARK, anchor + 1)
    return sorted(starts) if len(starts) > 1 else list(starts)


def _link_starts(text: str, lowered: str) -> list[int]:
    """Where a profile link may start: before the host that ends in ``.com/``, ``.me/``..."""
    if "/" not in text:
        return []  # nearly half of all posts: one C-speed scan instead of a pattern's
    starts: set[int] = set()
    for anchor_match in _LINK_ANCHOR_RE.finditer(lowered):
        anchor = anchor_match.start()
        start = anchor
        floor = max(0, anchor - 64)
        while start > floor and (text[start - 1].isalnum() or text[start - 1] in ".-"):
            start -= 1
        if start >= 3 and text[start - 3 : start] == "://":
            start -= 3
            while start > 0 and text[start - 1].isalpha():
                start -= 1
        starts.add(start)
    return sorted(starts) if len(starts) > 1 else list(starts)


def find(folded: Folded, region: str) -> list[Identifier]:
    """Handles in ``folded``; ``region`` is the default country for WhatsApp numbers."""
    text = folded.text
    # Anchors are ASCII; the Kelvin sign is the one other character that lowercases to one.
    lowered = _anchor_text(text)
    link_starts = _link_starts(text, lowered)
    cue_starts = _cue_starts(text, lowered)
    ghost = folded.original.find(_SNAPCHAT_GHOST)
    if not link_starts and not cue_starts and ghost == -1:
        return []  # most posts: nothing that could begin a handle
    spans: list[tuple[int, int, str]] = []
    taken = bytearray(len(text))
    for start in link_starts:
        match = _HANDLE_URL_RE.match(text, start) if not taken[start] else None
        if match is None:
            continue
        parsed = _from_link(text, match, region)
        if parsed is not None and claim(taken, start, parsed[0]):
            spans.append((start, parsed[0], parsed[1]))
    for start in cue_starts:
        cue = _CUE_RE.match(text, start) if not taken[start] else None
        if cue is None:
            continue
        parsed = _from_cue(text, start, cue.end(), cue.lastgroup or "", region)
        if parsed is not None and claim(taken, start, parsed[0]):
            spans.append((start, parsed[0], parsed[1]))
    # The ghost emoji is Snapchat's logo ("👻 jane_x"); folding made it a space, which serves
    # as the separator after it.
    while ghost != -1:
        start = _folded_index(folded, ghost)
        ghost = folded.original.find(_SNAPCHAT_GHOST, ghost + 1)
        parsed = _from_cue(text, start, start, "snapchat", region)
        if parsed is not None and claim(taken, start, parsed[0]):
            spans.append((start, parsed[0], parsed[1]))
    spans.sort()
    found: list[Identifier] = []
    for start, end, canonical in spans:
        orig_start, orig_end = folded.span(start, end)
        found.append(
            Identifier(
                "handle", folded.original[orig_start:orig_end], canonical, orig_start, orig_end
            )
        )
    return found
