"""Handle extraction: cue and link forms per platform, username rules, prose, properties."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.extract import handle
from threadline.extract.normalize import fold
from threadline.records import HANDLE_PLATFORMS, Identifier

#: Canonical form of the contract: platform:username, lowercase; WhatsApp takes an E.164 number.
CANONICAL = re.compile(
    r"(?:snapchat|instagram|telegram|kik|x|tiktok|onlyfans|facebook):[a-z0-9._-]+"
    r"|whatsapp:\+[1-9]\d{6,14}"
)


def run(text: str, region: str = "US") -> list[Identifier]:
    """Extract and check the invariants every result must keep."""
    found = handle.find(fold(text), region)
    previous_end = 0
    for ident in found:
        assert ident.kind == "handle"
        assert ident.value == text[ident.start : ident.end]
        assert ident.start >= previous_end, "overlapping or unsorted results"
        previous_end = ident.end
        assert CANONICAL.fullmatch(ident.canonical), ident.canonical
        assert ident.canonical.split(":", 1)[0] in HANDLE_PLATFORMS
    return found


def pairs(text: str, region: str = "US") -> list[tuple[str, str]]:
    return [(i.value, i.canonical) for i in run(text, region)]


@pytest.mark.parametrize(
    ("text", "value", "canonical"),
    [
        # Snapchat
        ("SC: jane_x", "SC: jane_x", "snapchat:jane_x"),
        ("snap: jane_x", "snap: jane_x", "snapchat:jane_x"),
        ("snapchat jane_x", "snapchat jane_x", "snapchat:jane_x"),
        ("Snap Chat - Jane_X", "Snap Chat - Jane_X", "snapchat:jane_x"),
        ("sc-jane_x", "sc-jane_x", "snapchat:jane_x"),
        ("snapchat.com/add/jane_x", "snapchat.com/add/jane_x", "snapchat:jane_x"),
        # Instagram
        ("IG @jane.x", "IG @jane.x", "instagram:jane.x"),
        ("insta: jane.x.", "insta: jane.x", "instagram:jane.x"),
        ("instagram.com/jane.x", "instagram.com/jane.x", "instagram:jane.x"),
        (
            "https://www.instagram.com/Jane.X/",
            "https://www.instagram.com/Jane.X",
            "instagram:jane.x",
        ),
        ("instagr.am/jane.x", "instagr.am/jane.x", "instagram:jane.x"),
        # Telegram
        ("t.me/jane_x", "t.me/jane_x", "telegram:jane_x"),
        ("http://t.me/s/jane_x", "http://t.me/s/jane_x", "telegram:jane_x"),
        ("telegram @jane_x", "telegram @jane_x", "telegram:jane_x"),
        ("TG: jane_x", "TG: jane_x", "telegram:jane_x"),
        # Kik
        ("kik me jane_x", "kik me jane_x", "kik:jane_x"),
        ("Also on kik me kikimo\n\nMoonlit", "kik me kikimo", "kik:kikimo"),  # one plain word
        ("(text preferred) kik me rubykoze 🔥", "kik me rubykoze", "kik:rubykoze"),
        ("kik me cutietyne Can't wait", "kik me cutietyne", "kik:cutietyne"),
        ("kik me princessxoty", "kik me princessxoty", "kik:princessxoty"),
        ("kik: jane_x", "kik: jane_x", "kik:jane_x"),
        ("kik.me/jane_x", "kik.me/jane_x", "kik:jane_x"),
        # WhatsApp: E.164 numbers.
        ("wa.me/12125550123", "wa.me/12125550123", "whatsapp:+12125550123"),
        ("wa.me/+12125550123", "wa.me/+12125550123", "whatsapp:+12125550123"),
        (
            "api.whatsapp.com/send?phone=12125550123",
            "api.whatsapp.com/send?phone=12125550123",
            "whatsapp:+12125550123",
        ),
        ("whatsapp +1 212 555 0123", "whatsapp +1 212 555 0123", "whatsapp:+12125550123"),
        ("WA: (212) 555-0123", "WA: (212) 555-0123", "whatsapp:+12125550123"),
        ("whatsapp me at 212.555.0123.", "whatsapp me at 212.555.0123", "whatsapp:+12125550123"),
        # X / Twitter
        ("twitter @jane", "twitter @jane", "x:jane"),
        ("x.com/jane", "x.com/jane", "x:jane"),
        ("twitter.com/Jane_Doe", "twitter.com/Jane_Doe", "x:jane_doe"),
        ("X: @jane", "X: @jane", "x:jane"),
        # TikTok
        ("tiktok @jane", "tiktok @jane", "tiktok:jane"),
        ("tik tok: jane.x", "tik tok: jane.x", "tiktok:jane.x"),
        ("tiktok.com/@jane", "tiktok.com/@jane", "tiktok:jane"),
        # OnlyFans
        ("onlyfans.com/jane", "onlyfans.com/jane", "onlyfans:jane"),
        ("OF: jane", "OF: jane", "onlyfans:jane"),
        ("only fans @jane-x", "only fans @jane-x", "onlyfans:jane-x"),
        # Facebook
        ("facebook.com/jane.doe", "facebook.com/jane.doe", "facebook:jane.doe"),
        ("fb.com/jane.doe", "fb.com/jane.doe", "facebook:jane.doe"),
        ("FB: jane.doe", "FB: jane.doe", "facebook:jane.doe"),
        (
            "https://m.facebook.com/profile.php?id=100012345678",
            "https://m.facebook.com/profile.php?id=100012345678",
            "facebook:100012345678",
        ),
    ],
)
def test_written_forms(text: str, value: str, canonical: str) -> None:
    assert pairs(text) == [(value, canonical)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("👻 jane_x", "👻 jane_x"),
        ("👻jane_x", "👻jane_x"),
        ("add me 👻: jane_x!", "👻: jane_x"),
        ("👻👻 jane_x", "👻👻 jane_x"),
        ("💋\u200d👻\ufe0f @jasmine", "👻\ufe0f @jasmine"),
        ("ｈｉ\u200b 👻 jane_x", "👻 jane_x"),
    ],
)
def test_snapchat_ghost_emoji_is_a_cue(text: str, value: str) -> None:
    (ident,) = run(text)
    assert ident.value == value
    assert ident.canonical in ("snapchat:jane_x", "snapchat:jasmine")


@pytest.mark.parametrize("text", ["👻 jasmine", "hi 👻👻 hot girls", "👻", "spooky 👻 night"])
def test_snapchat_ghost_before_prose_is_not_a_handle(text: str) -> None:
    assert run(text) == []


def test_whatsapp_uses_the_region_for_national_numbers() -> None:
    assert pairs("whatsapp 020 7946 0958", region="GB") == [
        ("whatsapp 020 7946 0958", "whatsapp:+442079460958")
    ]
    assert run("whatsapp 020 7946 0958", region="US") == []
    # An international number does not need the region, even an unknown one.
    assert pairs("whatsapp +44 20 7946 0958", region="") == [
        ("whatsapp +44 20 7946 0958", "whatsapp:+442079460958")
    ]


def test_whatsapp_number_stops_before_trailing_digits() -> None:
    assert pairs("whatsapp +1 212 555 0123 24/7") == [
        ("whatsapp +1 212 555 0123", "whatsapp:+12125550123")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "hi @jane",  # no platform
        "@jane_x",
        "snap me later",
        "insta only",
        "snapchat premium available",
        "instagram model",
        "snapchat janex",  # letters only after spaces alone: read as prose
        "kik me later",
        "kik me directly for rates",  # one plain word, and the sentence goes on
        "kik me sometime.",
        "kik me kikimo now",  # a lowercase word follows: read as prose
        "snapchat",
        "kik: jane@x.com",  # an email
        "snap: jane@gmail.com",
        "Columbia, SC - call me",  # state code before a common word
        "Seattle WA 98101",
        "Seattle, WA - 206-555-0123",  # state code after a city, not WhatsApp
        "Columbia, SC - Jasmine_x",
        "full of: love",
        "ig jane",  # two-letter cue without punctuation or @
        "x @ 200",  # lowercase x
        "it's of: course",
        "TG: jane",  # telegram needs 5 characters
        "telegram: jane-x",  # '-' not allowed on telegram
        "snapchat: 1jane",  # snapchat starts with a letter
        "twitter @abcdefghijklmnop",  # 16 > 15 characters
        "instagram.com/p/abc123",
        "instagram.com/explore",
        "facebook.com/login",
        "facebook.com/groups/123",
        "x.com/home",
        "t.me/joinchat/AbC",
        "t.me/+AbCdEf",
        "onlyfans.com/my",
        "wa.me/123",
        "whatsapp +1 555 555 5555",  # invalid number
        "whatsapp only",
        "snap.jane",
        "scan: jane",  # not a cue
        "ig_jane",
        "tiktok.com/jane",  # TikTok profiles need '@'
        "",
    ],
)
def test_not_handles(text: str) -> None:
    assert run(text) == []


def test_link_inside_cue_yields_the_link_once() -> None:
    assert pairs("IG: instagram.com/jane") == [("instagram.com/jane", "instagram:jane")]


def test_several_handles_in_order() -> None:
    text = "SC: jane_x | IG @jane.y | t.me/jane_zz | whatsapp +1 212 555 0123"
    assert [i.canonical for i in run(text)] == [
        "snapchat:jane_x",
        "instagram:jane.y",
        "telegram:jane_zz",
        "whatsapp:+12125550123",
    ]


def test_spans_index_the_original_through_folding() -> None:
    text = "👻 ＳＣ： ｊａｎｅ＿ｘ 👻"
    (ident,) = run(text)
    assert ident.canonical == "snapchat:jane_x"
    assert ident.value == "ＳＣ： ｊａｎｅ＿ｘ"

    zero_width = "snap\u200b: ja\u200dne_x"
    (ident,) = run(zero_width)
    assert ident.canonical == "snapchat:jane_x"
    assert ident.value == zero_width


def test_phone_at_helper() -> None:
    assert handle.phone_at("call (212) 555-0123 now", 5, "US") == (19, "+12125550123")
    assert handle.phone_at("212 555 0123 24", 0, "us") == (12, "+12125550123")
    assert handle.phone_at("no digits", 0, "US") is None
    assert handle.phone_at("123", 0, "US") is None
    assert handle.phone_at("212 555 0123", 0, "") is None  # national number, no region
    assert handle.phone_at("212 555 0123", 0, "ZZZ") is None


def test_continues_word_helper() -> None:
    assert handle.continues_word("jane-x", 4)
    assert handle.continues_word("janex", 4)
    assert not handle.continues_word("jane. x", 4)
    assert not handle.continues_word("jane-", 4)
    assert not handle.continues_word("jane", 4)


def test_username_rules_cover_every_platform_but_whatsapp() -> None:
    assert set(handle.USERNAME_RULES) == set(HANDLE_PLATFORMS) - {"whatsapp"}


@pytest.mark.parametrize(
    "text",
    [
        "sc: " * 25_000,
        "snap: " + "a" * 100_000,
        "sc-" * 33_000,
        "whatsapp " + "1 " * 50_000,
        "t.me/" * 20_000,
        "IG @a " * 16_000,
        "👻" * 50_000,
        "👻 " * 30_000,
        "snap" * 25_000,
        "a" * 50_000 + ".me/" * 10_000,
    ],
)
def test_hostile_input_stays_fast(text: str) -> None:
    """Long runs of anchors must cost linear time, not a stall (fields reach 100k chars)."""
    started = time.perf_counter()
    run(text)
    assert time.perf_counter() - started < 3.0


# --- properties ----------------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "SC",
        "sc",
        "snap",
        "snapchat",
        "IG",
        "insta",
        "TG",
        "telegram",
        "kik",
        "kik me",
        "WA",
        "whatsapp",
        "twitter",
        "X",
        "tiktok",
        "OF",
        "onlyfans",
        "FB",
        "facebook",
        ":",
        "-",
        " ",
        "@",
        "jane_x",
        "jane.x",
        ".",
        "/",
        "t.me/",
        "wa.me/",
        "instagram.com/",
        "tiktok.com/@",
        "facebook.com/",
        "profile.php?id=",
        "+1 212 555 0123",
        "12125550123",
        "\u200b",
        "ＳＣ",
        "👻",
        "me",
        "é",
        "\t",
        "\ufe0f",
    ]
)
HANDLEISH = st.lists(FRAGMENTS | st.text(max_size=4), max_size=25).map("".join)


@settings(max_examples=400, deadline=None)
@given(HANDLEISH, st.sampled_from(["US", "GB", "MX", "", "ZZ"]))
def test_property_handleish_text(text: str, region: str) -> None:
    run(text, region)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_property_any_text(text: str) -> None:
    run(text)


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"[a-z][a-z0-9_]{3,12}[a-z0-9]", fullmatch=True),
    st.sampled_from(
        [
            ("SC: {u}", "snapchat"),
            ("IG @{u}", "instagram"),
            ("t.me/{u}", "telegram"),
            ("kik: {u}", "kik"),
            ("tiktok.com/@{u}", "tiktok"),
            ("OF: {u}", "onlyfans"),
        ]
    ),
)
def test_property_generated_handles_round_trip(user: str, form: tuple[str, str]) -> None:
    written = form[0].format(u=user)
    found = run(f"add me {written}, thanks")
    if user in handle.PROSE_WORDS:
        return
    assert [(i.value, i.canonical) for i in found] == [(written, f"{form[1]}:{user}")]


@pytest.mark.parametrize("separator", [":", "=", "~", ">", "|", "-", " : ", " -> ", "@"])
def test_every_separator_after_a_weak_cue(separator: str) -> None:
    # One scan finds all separators at once: each must still count after a short cue.
    assert pairs(f"SC{separator}jane_x") == [(f"SC{separator}jane_x", "snapchat:jane_x")]


def test_weak_cue_after_a_letter_or_accent_is_no_cue() -> None:
    assert pairs("disc: jane_x") == []
    assert pairs("éig: jane_x") == []
    assert pairs("¶ig: jane_x") == [("ig: jane_x", "instagram:jane_x")]


def test_kelvin_sign_lowercases_to_k_like_the_letter() -> None:
    # U+212A is the one non-ASCII character whose lowercase is ASCII: anchors still see it.
    assert pairs("\u212aik: jane_x") == [("\u212aik: jane_x", "kik:jane_x")]
    assert pairs("\u212aIK = jane_x and ¶") == [("\u212aIK = jane_x", "kik:jane_x")]


def test_posts_without_any_anchor_find_nothing() -> None:
    assert run("Sweet and discreet, available all week in the city. ¶ Call for rates") == []
