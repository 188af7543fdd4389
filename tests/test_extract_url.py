"""URL extraction: written forms, canonical decisions, false positives and properties."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.extract import url
from threadline.extract.normalize import fold
from threadline.records import Identifier

#: Canonical form of the contract: lowercase host (no scheme, no www.), optional port, path.
CANONICAL = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?(?:[/?][^\s#]*)?")

#: Synthetic onion names: base32 letters of the right lengths, no real service.
ONION_V2 = "abcdefghijklmnop"
ONION_V3 = ("abcdefghijklmnopqrstuvwxyz234567" * 2)[:56]


def run(text: str) -> list[Identifier]:
    """Extract and check the invariants every result must keep."""
    found = url.find(fold(text), "US")
    previous_end = 0
    for ident in found:
        assert ident.kind == "url"
        assert ident.value == text[ident.start : ident.end]
        assert ident.start >= previous_end, "overlapping or unsorted results"
        previous_end = ident.end
        assert CANONICAL.fullmatch(ident.canonical), ident.canonical
    return found


def canonicals(text: str) -> list[str]:
    return [ident.canonical for ident in run(text)]


@pytest.mark.parametrize(
    ("text", "value", "canonical"),
    [
        ("go to www.Verify-Me.com/x now", "www.Verify-Me.com/x", "verify-me.com/x"),
        ("https://verify-me.com/check", "https://verify-me.com/check", "verify-me.com/check"),
        ("http://WWW.Example.ORG", "http://WWW.Example.ORG", "example.org"),
        ("bare verify-me.com here", "verify-me.com", "verify-me.com"),
        ("VERIFY-ME.COM", "VERIFY-ME.COM", "verify-me.com"),
        ("site: verify-me dot com", "verify-me dot com", "verify-me.com"),
        ("verify-me DOT com", "verify-me DOT com", "verify-me.com"),
        ("verify-me(.)com", "verify-me(.)com", "verify-me.com"),
        ("verify-me[.]com", "verify-me[.]com", "verify-me.com"),
        ("verify-me [dot] com", "verify-me [dot] com", "verify-me.com"),
        ("verify-me (dot) net", "verify-me (dot) net", "verify-me.net"),
        ("verify-me{dot}org", "verify-me{dot}org", "verify-me.org"),
        ("verify-me . com", "verify-me . com", "verify-me.com"),
        ("verifica punto com", "verifica punto com", "verifica.com"),
        ("a.b.example.co.uk/path", "a.b.example.co.uk/path", "a.b.example.co.uk/path"),
        ("hxxps://evil.example.com/x", "hxxps://evil.example.com/x", "evil.example.com/x"),
        (
            "http://192.168.1.1:8080/admin",
            "http://192.168.1.1:8080/admin",
            "192.168.1.1:8080/admin",
        ),
        ("t.me/jane_x", "t.me/jane_x", "t.me/jane_x"),
    ],
)
def test_written_forms(text: str, value: str, canonical: str) -> None:
    found = run(text)
    assert [(i.value, i.canonical) for i in found] == [(value, canonical)]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        # Trailing punctuation is prose.
        ("visit site.com/x.", "site.com/x"),
        ("visit site.com/x, then", "site.com/x"),
        ("(see site.com/x)", "site.com/x"),
        ("is it site.com/x?", "site.com/x"),
        ('"site.com/x"', "site.com/x"),
        # Balanced brackets inside a path are kept.
        ("see site.com/a_(b))", "site.com/a_(b)"),
        # Path case kept, host lowercased, trailing slash dropped.
        ("Bit.ly/AbC/", "bit.ly/AbC"),
        ("site.com/", "site.com"),
        # Query kept without tracking parameters; fragment dropped.
        ("https://site.com/p?id=5&utm_source=x#top", "site.com/p?id=5"),
        ("https://site.com/p?utm_medium=x&fbclid=abc", "site.com/p"),
        ("https://site.com/p/?q=1", "site.com/p?q=1"),
        # Default ports dropped, others kept.
        ("https://site.com:443/x", "site.com/x"),
        ("http://site.com:8080", "site.com:8080"),
    ],
)
def test_canonical_decisions(text: str, canonical: str) -> None:
    assert canonicals(text) == [canonical]


def test_onion_hosts_are_kept() -> None:
    assert canonicals(f"mirror {ONION_V2}.onion/login") == [f"{ONION_V2}.onion/login"]
    assert canonicals(f"http://{ONION_V3}.onion") == [f"{ONION_V3}.onion"]
    assert canonicals(f"{ONION_V3.upper()}.ONION") == [f"{ONION_V3}.onion"]


@pytest.mark.parametrize(
    "text",
    [
        "bad.onion",
        f"{ONION_V2}x.onion",  # 17 characters
        f"{ONION_V3[:-1]}1.onion",  # 1 is not base32
    ],
)
def test_malformed_onion_is_not_a_url(text: str) -> None:
    assert run(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "jane@gmail.com",
        "write to jane.doe@example.com now",
        "jane.me@gmail.com",
        "jane(at)proton(dot)me",
        "jane [at] gmail [dot] com",
        "IG @jane.x and @jane.com",
        "5.5 inches, 3.14, 1.2.3",
        "v1.2.3 and version 2.0.1",
        "e.g. at 10 a.m. or 9 p.m., i.e. U.S.A.",
        "10.am and 10.pm",
        "photo.jpg, clip.mov, run.sh, notes.md, archive.zip, pic.png",
        "Hello.My name is Jane. new in town.Call me",
        "meet me at the hotel dot com",
        "the dot com era",
        "www.com",
        "xyz://site",
        "hello...",
        "",
    ],
)
def test_not_urls(text: str) -> None:
    assert run(text) == []


def test_word_tlds_need_a_scheme_www_or_path() -> None:
    assert run("call.me later") == []
    assert canonicals("https://call.me") == ["call.me"]
    assert canonicals("www.call.me") == ["call.me"]
    assert canonicals("call.me/jane") == ["call.me/jane"]


def test_file_tld_with_path_is_not_a_url_but_with_scheme_is() -> None:
    assert run("archive.zip/") == []
    assert canonicals("https://archive.zip/x") == ["archive.zip/x"]


def test_several_urls_in_one_post_in_order() -> None:
    text = "first verify-me.com/a then www.second.net, finally third dot org."
    found = run(text)
    assert [i.canonical for i in found] == ["verify-me.com/a", "second.net", "third.org"]


def test_spans_index_the_original_through_folding() -> None:
    text = "🔥 go ｗｗｗ．ｖｅｒｉｆｙ．ｃｏｍ/x now"
    found = run(text)
    assert [i.canonical for i in found] == ["verify.com/x"]
    assert found[0].value == "ｗｗｗ．ｖｅｒｉｆｙ．ｃｏｍ/x"

    zero_width = "visit verify\u200b-me.com now"
    found = run(zero_width)
    assert [i.canonical for i in found] == ["verify-me.com"]
    assert found[0].value == "verify\u200b-me.com"


def test_obfuscated_span_covers_the_whole_written_form() -> None:
    text = "go to verify-me [dot] com today"
    (ident,) = run(text)
    assert ident.value == "verify-me [dot] com"
    assert (ident.start, ident.end) == (6, 25)


def test_tld_list_is_loaded() -> None:
    assert {"com", "org", "me", "onion", "io", "xn--p1ai"} <= url.TLDS
    assert "jpg" not in url.TLDS
    assert len(url.TLDS) > 1000


def test_canonical_path_helper() -> None:
    assert url.canonical_path("/a/b/?utm_source=x&k=v#frag") == "/a/b?k=v"
    assert url.canonical_path("/") == ""
    assert url.canonical_path("?gclid=1") == ""
    assert url.canonical_path("/x?&&a=1&") == "/x?a=1"


def test_positions_and_lowering_helpers() -> None:
    assert url.positions("a.b.c", ".") == [1, 3]
    assert url.positions("aaa", "aa") == [0, 1]
    assert url.positions("abc", "x") == []
    text = "İSTANBUL.COM"  # İ lowercases to two characters
    lowered = url.lower_keeping_offsets(text)
    assert len(lowered) == len(text)
    assert lowered.endswith("stanbul.com")


@pytest.mark.parametrize(
    "text",
    [
        "a." * 50_000,
        "a.zip?" * 16_000,
        "x dot " * 16_000,
        "site.com/" + ")" * 99_000,
        "(.)" * 30_000,
        "http://" * 14_000,
        "dot" * 30_000,
        "a" * 100_000 + ".com",
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
        ".",
        " . ",
        "dot",
        " dot ",
        "(.)",
        "[dot]",
        "://",
        "http",
        "www.",
        "com",
        "onion",
        "/",
        "?",
        "#",
        "@",
        "-",
        "a",
        "Z",
        "9",
        " ",
        "\u200b",
        "ｃｏｍ",
        "🔥",
        "verify-me",
        ".com",
        "site",
        ")",
        "(",
        "utm_x=1",
        "&",
        ":8080",
        "punto",
        "\t",
        "\n",
        "é",
    ]
)
URLISH = st.lists(FRAGMENTS | st.text(max_size=4), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(URLISH)
def test_property_urlish_text(text: str) -> None:
    run(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_property_any_text(text: str) -> None:
    run(text)


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True),
    st.sampled_from(["com", "net", "org", "io", "de"]),
    st.from_regex(r"(/[A-Za-z0-9_-]{1,8}){0,3}", fullmatch=True),
)
def test_property_generated_urls_round_trip(name: str, tld: str, path: str) -> None:
    text = f"visit https://www.{name}.{tld}{path} today."
    found = run(text)
    assert [i.canonical for i in found] == [f"{name}.{tld}{path}"]


def test_ascii_lowered_keeps_offsets_and_only_lowers_ascii() -> None:
    assert url.ascii_lowered("Visit SITE dot COM") == "visit site dot com"
    text = "Café ¶ PUNTO Ｋ"
    lowered = url.ascii_lowered(text)
    assert len(lowered) == len(text)
    assert lowered == "caf? ? punto ?"
    assert lowered.find("punto") == text.lower().find("punto")


def test_spelled_dots_in_mixed_case_and_non_ascii_text() -> None:
    found = url.find(fold("Café ¶ verify-me DOT com today"), "US")
    assert [(i.value, i.canonical) for i in found] == [("verify-me DOT com", "verify-me.com")]
    found = url.find(fold("mi sitio: verify-me PuNtO com ¶"), "US")
    assert [i.canonical for i in found] == ["verify-me.com"]


def test_host_label_start_is_found_behind_long_names() -> None:
    # A label is at most 63 characters: the longest is a host, a longer run is none.
    longest = "a" * 63
    found = url.find(fold(f"go to {longest}.com now"), "US")
    assert [i.canonical for i in found] == [f"{longest}.com"]
    assert url.find(fold(f"go to {'a' * 64}.com now"), "US") == []
    assert url.find(fold(f"go to {'a' * 70}.com now"), "US") == []
    found = url.find(fold("go to x-y-z.example.com/p now"), "US")
    assert [i.canonical for i in found] == ["x-y-z.example.com/p"]
