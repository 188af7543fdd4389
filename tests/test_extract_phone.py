"""Phone extraction through obfuscation: forms, look-alikes, false positives, regions, spans.

All numbers are fictional: US 555-01xx lines (valid in phonenumbers, reserved for fiction) and
the UK's Ofcom drama range 020 7946 0xxx. Where a false-positive rule is what keeps a digit
string out, the test first shows that phonenumbers alone would have accepted the digits, so the
test fails if the rule goes away.
"""

from __future__ import annotations

import random
import re

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.extract.normalize import fold
from threadline.extract.phone import find
from threadline.records import Identifier

NYC = "+12125550123"
LONDON = "+442079460958"
MEXICO_CITY = "+525512345678"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def found(text: str, region: str = "US") -> list[Identifier]:
    return find(fold(text), region)


def pairs(text: str, region: str = "US") -> list[tuple[str, str]]:
    """(value, canonical) of every phone found."""
    return [(ident.value, ident.canonical) for ident in found(text, region)]


def valid_without_rules(digits: str, region: str) -> bool:
    """Whether phonenumbers alone accepts ``digits``: proof that a rejecting rule did the work."""
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(digits, region))
    except phonenumbers.NumberParseException:
        return False


def assert_contract(text: str, idents: list[Identifier]) -> None:
    previous_end = 0
    for ident in idents:
        assert ident.kind == "phone"
        assert ident.value == text[ident.start : ident.end]
        assert 0 <= ident.start < ident.end <= len(text)
        assert E164.match(ident.canonical), ident.canonical
        assert ident.start >= previous_end, "phones of one kind never overlap"
        previous_end = ident.end


# --- written forms -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("call (212) 555-0123 now", "212) 555-0123"),
        ("call 212.555.0123 now", "212.555.0123"),
        ("call 212-555-0123 now", "212-555-0123"),
        ("call 2125550123 now", "2125550123"),
        ("call 212 555 0123 now", "212 555 0123"),
        ("call 1-212-555-0123 now", "1-212-555-0123"),
        ("call +1 212 555 0123 now", "1 212 555 0123"),
        ("call +1 (212) 555-0123", "1 (212) 555-0123"),
        ("text me at 212-555-0123.", "212-555-0123"),
    ],
)
def test_plain_forms(text: str, value: str) -> None:
    assert pairs(text) == [(value, NYC)]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("+44 20 7946 0958", LONDON),
        ("+52 55 1234 5678", MEXICO_CITY),
        ("0044 20 7946 0958", LONDON),
        ("+44 (0)20 7946 0958", LONDON),
        ("(+44) 20 7946 0958", LONDON),
        ("+1 212 555 0123", NYC),
    ],
)
@pytest.mark.parametrize("region", ["US", "GB", "DE", "MX"])
def test_international_forms_whatever_the_region(text: str, canonical: str, region: str) -> None:
    assert [c for _, c in pairs(f"call {text} now", region)] == [canonical]


def test_region_international_prefix_is_read_by_phonenumbers() -> None:
    assert pairs("011 44 20 7946 0958", "US") == [("011 44 20 7946 0958", LONDON)]


def test_national_forms_follow_the_region() -> None:
    assert pairs("ring 020 7946 0958", "GB") == [("020 7946 0958", LONDON)]
    assert pairs("ring 020 7946 0958", "US") == []
    assert pairs("llama 55 1234 5678", "MX") == [("55 1234 5678", MEXICO_CITY)]
    assert pairs("call 212 555 0123", "GB") == []
    assert pairs("call 212 555 0123", "us") == [("212 555 0123", NYC)]  # case does not matter


@pytest.mark.parametrize("region", ["", "ZZ", "XX", "usa"])
def test_unknown_region_still_reads_international_numbers(region: str) -> None:
    assert pairs("call 212 555 0123", region) == []
    assert pairs("call +1 212 555 0123", region) == [("1 212 555 0123", NYC)]
    assert pairs("call 0044 20 7946 0958", region) == [("0044 20 7946 0958", LONDON)]


def test_bad_international_number_is_not_read_again_as_national() -> None:
    # "+44 12 ..." is no UK number; its tail must not turn into a US one.
    assert valid_without_rules("2125550123", "US")
    assert pairs("+44 12 2125550123") == []
    assert pairs("+44 12 2125550123 or 212 555 0199") == [("212 555 0199", "+12125550199")]


def test_whatsapp_link_digits_are_international() -> None:
    assert pairs("wa.me/12125550123", "GB") == [("12125550123", NYC)]
    assert pairs("https://wa.me/442079460958", "US") == [("442079460958", LONDON)]


# --- spelled digits ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "two one two five five five zero one two three",
        "two one two five five five oh one two three",
        "two one two five five five o one two three",
        "TWO ONE TWO Five Five Five ZERO one two three",
        "dos uno dos cinco cinco cinco cero uno dos tres",
        "two-one-two five.five.five zero one two three",
        "212 5five5 0123",
        "two1two 555 o1two3",
        "2one2 five5five 0123",
        "212 five five five 0123",
    ],
)
def test_spelled_and_mixed_digits(text: str) -> None:
    assert pairs(f"hey call {text} tonight") == [(text, NYC)]


def test_spelled_digits_in_prose_are_not_phones() -> None:
    prose = (
        "I won one prize, someone said. Everyone knows two is company and three is a crowd; "
        "no one, not even the one in a million, ends at four or five or six. Oh, and nine."
    )
    assert pairs(prose) == []
    assert pairs("one night, two girls, three hours, four drinks, five stars, six pm") == []


def test_a_spelled_word_next_to_a_number_is_not_part_of_it() -> None:
    assert pairs("only one 212 555 0123") == [("212 555 0123", NYC)]
    assert pairs("212 555 0123 or two") == [("212 555 0123", NYC)]
    assert pairs("212 555 0123 o 212 555 0199") == [
        ("212 555 0123", NYC),
        ("212 555 0199", "+12125550199"),
    ]


def test_words_inside_longer_words_do_not_count() -> None:
    # "someone", "network", "mistress" and "weight" hold digit words; they are not digits.
    assert pairs("someone network mistress weight eightyone 212 555 0123") == [
        ("212 555 0123", NYC)
    ]
    assert pairs("212 555 01twofold") == []  # "twofold" is no run of digit words
    assert pairs("a lone wolf 212 555 0123, lol") == [("212 555 0123", NYC)]


@pytest.mark.parametrize(
    "text",
    [
        "twoltwo 555 zeroonetwothree",  # words glued to words and to look-alikes
        "2onetwo five5five oone23",
        "two1two 555 0lseven5",
        "2l2 555 zerolnine9",
    ],
)
def test_glued_words_and_lookalikes(text: str) -> None:
    canonical = {"9": "+12125550199", "5": "+12125550175"}.get(text[-1], NYC)
    assert pairs(f"text {text} now") == [(text, canonical)]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("2l2-555-OlOO", "+12125550100"),
        ("2I2 555 Olll", "+12125550111"),
        ("8OI 555 OI23", "+18015550123"),
    ],
)
def test_groups_of_lookalikes_alone_after_digits(text: str, canonical: str) -> None:
    assert pairs(f"call {text}") == [(text, canonical)]
    assert pairs("lol 212 555 0123 ok") == [("212 555 0123", NYC)]


# --- look-alike letters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("2l2-555-O123", NYC),
        ("2I2 555 OI23", NYC),
        ("2l2.555.0l23", NYC),
        ("O2O 7946 O958", None),  # read as 020..., a UK national form: not valid in the US
        ("2125S50123", NYC),  # S between digits
        ("212 555 01B3", "+12125550183"),  # B between digits
        ("212 555 0i23", NYC),  # i between digits
    ],
)
def test_lookalike_letters_glued_to_digits(text: str, canonical: str | None) -> None:
    expected = [(text, canonical)] if canonical else []
    assert pairs(f"txt {text} now") == expected


def test_lookalikes_in_uk_national_form() -> None:
    assert pairs("ring O2O 7946 O958", "GB") == [("O2O 7946 O958", LONDON)]


@pytest.mark.parametrize(
    "text",
    [
        "2125s50123",  # lower-case s never counts
        "212555b123",  # lower-case b never counts
        "S125550123",  # S only between two digits
        "2125550123S1",  # neither end of a number
        "21255501OOOO",  # clusters of at most three
    ],
)
def test_ambiguous_lookalikes_are_not_read(text: str) -> None:
    assert pairs(f"code {text} here") == []


def test_lookalike_letters_not_glued_to_digits_stay_letters() -> None:
    assert pairs("I 2125550123") == [("2125550123", NYC)]
    assert pairs("call l 212 555 0123 O") == [("212 555 0123", NYC)]
    assert pairs("212 555 0123 I love you") == [("212 555 0123", NYC)]
    assert pairs("hello2125550123") == [("2125550123", NYC)]  # the l of hello is a letter


def test_pipe_is_a_separator_not_a_one() -> None:
    assert pairs("212|555|0123") == [("212|555|0123", NYC)]
    assert pairs("2|2 555 0123") == []


# --- separators, emoji, styled digits ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2 1 2 5 5 5 0 1 2 3",
        "2.1.2.5.5.5.0.1.2.3",
        "2-1-2-5-5-5-0-1-2-3",
        "212_555_0123",
        "212*555*0123",
        "212/555/0123",
        "212~555~0123",
        "212 - 555 - 0123",
        "212\n555\n0123",
        "(212)555-0123",
    ],
)
def test_separators(text: str) -> None:
    # A span starts at the first digit: "(" is not part of the value.
    assert pairs(f"call {text} today") == [(text.lstrip("("), NYC)]


@pytest.mark.parametrize(
    "text",
    [
        "212🔥555🔥0123",
        "212 💋💋 555 💋 0123",
        "2️⃣1️⃣2️⃣5️⃣5️⃣5️⃣0️⃣1️⃣2️⃣3️⃣",
        "２１２５５５０１２３",
        "②①②⑤⑤⑤⓪①②③",
        "𝟐𝟏𝟐-𝟓𝟓𝟓-𝟎𝟏𝟐𝟑",
        "212\u200b555\u200b0123",
        "❤️212❤️555❤️0123",
    ],
)
def test_emoji_keycaps_and_styled_digits(text: str) -> None:
    post = f"📞 call {text} 💋 xoxo"
    idents = found(post)
    assert [(i.value, i.canonical) for i in idents] == [(text.strip("❤️"), NYC)]
    assert_contract(post, idents)


def test_keycap_span_keeps_its_marks() -> None:
    text = "call 2️⃣1️⃣2️⃣5️⃣5️⃣5️⃣0️⃣1️⃣2️⃣3️⃣!"
    (ident,) = found(text)
    assert ident.value.endswith("3️⃣")
    assert text[ident.end] == "!"


# --- several numbers ---------------------------------------------------------------------------


def test_several_phones_in_one_post() -> None:
    post = (
        "Call 212-555-0123 or text (212) 555-0199. UK: +44 20 7946 0958. "
        "Backup: two one two 555 o1four2"
    )
    assert [c for _, c in pairs(post)] == [NYC, "+12125550199", LONDON, "+12125550142"]


def test_the_same_phone_twice_gives_two_identifiers() -> None:
    post = "212-555-0123 call now! 212-555-0123"
    idents = found(post)
    assert [i.canonical for i in idents] == [NYC, NYC]
    assert idents[0].start == 0 and idents[1].start == post.rindex("212")
    assert_contract(post, idents)


@pytest.mark.parametrize(
    "text",
    [
        "212 555 0123 212 555 0199",
        "212 555 0123 / 212 555 0199",
        "2125550123 2125550199",
        "212-555-0123, 212-555-0199",
        "212-555-0123 | 212-555-0199",
    ],
)
def test_adjacent_numbers_are_split(text: str) -> None:
    assert [c for _, c in pairs(text)] == [NYC, "+12125550199"]


# --- false positives ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "$200",
        "200/hr",
        "150 roses",
        "$150-$200",
        "$200hh 300/h",
        "12/25/2024",
        "2024-01-15",
        "25.12.2024",
        "10am-11pm",
        "10:30-11:30",
        "19yo",
        "age 19",
        "34-24-36",
        "34DD-24-36",
        "5'6\"",
        "120 lbs",
        "Houston TX 77002",
        "Houston, TX 77002-1234",
        "available 24/7",
        "48392011741234567",
        "1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
        "0x52908400098527886E0F7030069857D2E4169EE7",
    ],
)
def test_no_phone_in_common_ad_numbers(text: str) -> None:
    for region in ("US", "DE", "DK", "GB", "MX"):
        assert pairs(f"new pics {text} xoxo", region) == []


def test_a_full_ad_without_phone() -> None:
    ad = (
        "Sweet and sexy 🔥 new in town! 19yo, 34-24-36, 5'6\" 120lbs. $200/hr, 150 roses hh, "
        "$150-$200 specials. Open 10am-11pm, posted 12/25/2024 (updated 2024-01-15). "
        "Post id 4839201174, ref #88213. No law enforcement. Zip 77002. I won one prize 😘"
    )
    for region in ("US", "DE", "DK"):
        assert pairs(ad, region) == []


@pytest.mark.parametrize(
    ("text", "digits", "region"),
    [
        ("posted 25.12.2024", "25122024", "DK"),
        ("updated 2024-01-15", "20240115", "DK"),
        ("date 12/25/2024", "25122024", "DE"),
        ("open 20.30-22.30", "20302230", "DK"),
        ("stats 34-24-36 5'6\"", "3424365", "DE"),
        ("only 2.500.000€", "2500000", "DE"),
        ("only € 25.000.000", "25000000", "DE"),
        ("Houston, TX 77002-1234", "770021234", "DE"),
    ],
)
def test_dates_times_measurements_prices_block_valid_looking_digits(
    text: str, digits: str, region: str
) -> None:
    assert valid_without_rules(digits, region)
    assert pairs(text, region) == []


@pytest.mark.parametrize(
    "text",
    [
        "post id 2125550123",
        "Post ID: 2125550123",
        "ref #2125550123",
        "ref 2125550123",
        "order #2125550123",
        "Order No. 2125550123",
        "order number: 2125550123",
        "invoice 2125550123",
        "tracking number 2125550123",
        "ad #2125550123",
        "listing no. 2125550123",
        "id#2125550123",
    ],
)
def test_ids_after_cue_words_are_not_phones(text: str) -> None:
    assert valid_without_rules("2125550123", "US")
    assert pairs(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "call #2125550123",
        "#2125550123",
        "ad 2125550123",
        "my number 2125550123",
        "phone# 212 555 0123",
    ],
)
def test_contact_words_are_not_id_cues(text: str) -> None:
    assert [c for _, c in pairs(text)] == [NYC]


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("Rates: 100 150 200 250 300 350 400", "250300350400"),
        ("Hours 9 10 11 12 1 2 3 4 5", "910111212345"),
        ("pick 1 2 3 4 5 6 7 8 9 10", "2345678910"),
        ("one two three four five six seven eight nine ten", "23456789"),
        ("sizes 250 300 400 500", "250300400500"),
    ],
)
def test_lists_of_numbers_are_not_phones(text: str, digits: str) -> None:
    assert valid_without_rules(digits, "DE")  # Germany's plan accepts almost any length
    assert pairs(text, "DE") == []


def test_steady_groups_are_still_phones() -> None:
    assert [c for _, c in pairs("(212) 555-0100")] == ["+12125550100"]
    assert [c for _, c in pairs("212 555 0150 (x)")] == ["+12125550150"]
    assert [c for _, c in pairs("020 7946 0958 or 2 1 2 5 5 5 0 1 2 3", "GB")] == [LONDON]
    assert [c for _, c in pairs("+44 20 7946 0958 or 212 555 0123")] == [LONDON, NYC]


def test_an_id_does_not_hide_the_phone_after_it() -> None:
    assert pairs("post id 4839201174 2125550123") == [("2125550123", NYC)]
    assert pairs("12/25/2024 212-555-0123") == [("212-555-0123", NYC)]
    assert pairs("$200 2125550123") == [("2125550123", NYC)]
    assert pairs("age 19 212 555 0123") == [("212 555 0123", NYC)]
    assert pairs("zip 77002 212 555 0123") == [("212 555 0123", NYC)]


def test_digit_runs_longer_than_any_phone() -> None:
    assert pairs("4839201174123456 2125550123") == [("2125550123", NYC)]
    assert pairs("212555012321255501") == []


def test_huge_digit_runs_are_handled() -> None:
    # Longer than Python's int() string limit (4300 digits), in groups and as one group.
    assert pairs("9" * 5000 + " 2 3 4 " + "7" * 5000) == []
    assert pairs("1 2 3 4 " + "5" * 5000 + " 212 555 0123") == [("212 555 0123", NYC)]


@pytest.mark.parametrize(
    "text",
    [
        "0xab2125550123cd",
        "1BoatSL2125550123RHtKN",
        "bc1qxy2125550123kygt",
        "R76b2125550123LET",
        "id=a2125550123b9",
    ],
)
def test_digits_inside_alphanumeric_tokens_are_not_phones(text: str) -> None:
    assert pairs(f"send to {text} now") == []


def test_plain_words_may_touch_a_number() -> None:
    assert pairs("call2125550123now") == [("2125550123", NYC)]
    assert pairs("TEXT2125550123") == [("2125550123", NYC)]


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/ad/2125550123",
        "example.com/2125550123",
        "www.example.com/?p=2125550123",
        "http://example.org/2125550123/photos",
    ],
)
def test_digits_in_urls_are_not_phones(text: str) -> None:
    assert pairs(f"see {text} for pics") == []


# --- the synthetic corpus's styles -------------------------------------------------------------


def test_every_style_of_the_synthetic_corpus_is_read() -> None:
    """Each way the corpus generator writes a phone is read back to its canonical form."""
    obfuscate = pytest.importorskip("threadline.synth.obfuscate")
    rng = random.Random(11)
    styles = [*obfuscate.PLAIN_PHONE_STYLES, *obfuscate.OBFUSCATED_PHONE_STYLES]
    for style in styles:
        for line in range(0, 100, 3):  # includes 0100, 0101, 0110, 0111: all look-alikes
            phone = obfuscate.nanp_phone(rng.choice([212, 305, 801, 901]), line)
            written = obfuscate.render_phone(rng, phone, style)
            assert [c for _, c in pairs(f"Text me at {written} xoxo")] == [phone.e164], (
                style,
                written,
            )
    london = obfuscate.uk_phone("207946", 958)
    for style in obfuscate.INTERNATIONAL_PHONE_STYLES:
        written = obfuscate.render_phone(rng, london, style)
        assert [c for _, c in pairs(f"Text me at {written} xoxo")] == [london.e164], written


# --- robustness --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "x", "+", "00", "+0", "000000000000", "\x00\x01" * 9])
def test_degenerate_input(text: str) -> None:
    assert found(text) == []


def test_canonical_never_exceeds_e164_length() -> None:
    # phonenumbers calls this 16-digit German national string valid; E.164 allows 15 digits.
    assert valid_without_rules("2520241225 2024", "DE")
    canonicals = [c for _, c in pairs("12/25/202412/25/2024", "DE")]
    assert "+4925202412252024" not in canonicals
    assert all(E164.match(c) for c in canonicals)


def test_glue_character_in_input_is_harmless() -> None:
    text = "212\x01555\x010123"
    idents = found(text)
    assert [i.canonical for i in idents] == [NYC]
    assert_contract(text, idents)


def test_canonical_is_valid_e164() -> None:
    post = "Call 212-555-0123, +44 20 7946 0958 or two one two 555 o1four2"
    for ident in found(post):
        parsed = phonenumbers.parse(ident.canonical, None)
        assert phonenumbers.is_valid_number(parsed)
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == (
            ident.canonical
        )


# --- properties --------------------------------------------------------------------------------

_PIECES = [
    *"0123456789",
    *"OolISBi|+$#'\"/.-_*~() \n",
    "one",
    "two",
    "oh",
    "o",
    "five",
    "tres",
    "cero",
    "nine",
    "someone",
    "🔥",
    "💋",
    "2️⃣",
    "５",
    "⑤",
    "\u200b",
    "$200",
    "19yo",
    "12/25/2024",
    "id ",
    "ref #",
    "212",
    "555",
    "0123",
    "+1 ",
    "+44 ",
    "0044",
    "wa.me/",
    "http://x.com/",
    "0x",
]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_keeps_the_contract(text: str) -> None:
    assert_contract(text, found(text, "US"))


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES), max_size=40).map("".join),
    st.sampled_from(["US", "GB", "MX", "DE", "DK", "", "ZZ"]),
)
def test_phone_like_noise_keeps_the_contract(text: str, region: str) -> None:
    assert_contract(text, found(text, region))


_FORMATS = [
    "(212) 555-0123",
    "212.555.0123",
    "212-555-0123",
    "2125550123",
    "212 555 0123",
    "+1 212 555 0123",
    "2l2-555-O123",
    "two one two 555 o1two3",
    "212🔥555🔥0123",
    "2️⃣1️⃣2️⃣5️⃣5️⃣5️⃣0️⃣1️⃣2️⃣3️⃣",
    "２１２５５５０１２３",
    "2 1 2 5 5 5 0 1 2 3",
]
#: Ad prose without id cues ("ref", "zip"), digit words or look-alike letters.
_PROSE = st.lists(
    st.sampled_from(
        [
            "hey",
            "call",
            "me",
            "babe",
            "new",
            "in",
            "town",
            "sweet",
            "xoxo",
            "now",
            "text",
            "only",
            "Hola",
            "papi",
            "gentlemen",
            "available",
            "tonight",
            "!",
            ",",
            "😘",
            "🔥",
            "\n",
        ]
    ),
    max_size=8,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(_PROSE, st.sampled_from(_FORMATS), _PROSE)
def test_a_phone_in_any_prose_is_found(before: str, phone: str, after: str) -> None:
    text = f"{before} {phone} {after}"
    idents = found(text)
    assert [i.canonical for i in idents] == [NYC]
    assert idents[0].value == phone.lstrip("(+")
    assert_contract(text, idents)


def test_digits_ending_a_tag_do_not_start_a_phone() -> None:
    """Regression: "$remymoyo77." before a spelled phone made a false number of 77 + its digits."""
    text = "via cashapp $remymoyo77.\nfive two zero five five five zero one five seven text"
    assert [i.canonical for i in find(fold(text), "US")] == ["+15205550157"]


def test_a_link_before_a_phone_does_not_hide_it() -> None:
    """Regression: digits of a link blocked the whole run, the next line's phone with them."""
    text = "via PayPal.Me/valentinacuto46.\n1-206-555-0117\nCan't wait"
    assert [i.canonical for i in find(fold(text), "US")] == ["+12065550117"]
