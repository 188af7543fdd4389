"""Behaviour of the crypto wallet extractor: what is found, what is refused, and why."""

from __future__ import annotations

import hashlib
import os

import pytest
from Crypto.Signature import eddsa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from test_extract_crypto_support import (
    B58_ALPHABET,
    BECH32_ALPHABET,
    BECH32M_CONST,
    base58check,
    bech32_string,
    canonicals,
    ed25519_non_point_from,
    ed25519_point_from,
    eip55,
    extract,
    five_bit,
    in_sentence,
    keccak256,
    monero_address,
    rfc8032_is_point,
    segwit_address,
    xmr_b58decode,
    xmr_b58encode,
)
from threadline.extract import crypto
from threadline.extract.crypto import find, is_valid_eth_address, validate
from threadline.extract.normalize import fold

# Synthetic addresses built here from fixed bytes (no real person's wallet).
P2PKH = base58check(0x00, bytes(range(20)))
P2SH = base58check(0x05, bytes(range(20, 40)))
LTC_L = base58check(0x30, bytes(range(40, 60)))
LTC_M = base58check(0x32, bytes(range(60, 80)))
TRX = base58check(0x41, bytes(range(80, 100)))
BTC_V0 = segwit_address("bc", 0, bytes(range(100, 120)))
BTC_V0_32 = segwit_address("bc", 0, bytes(range(32)))
BTC_V1 = segwit_address("bc", 1, bytes(range(1, 33)))
LTC_V0 = segwit_address("ltc", 0, bytes(range(120, 140)))
ETH = eip55(bytes(range(140, 160)))
XMR_SPEND = ed25519_point_from(b"spend")
XMR_VIEW = ed25519_point_from(b"view")
XMR_STANDARD = monero_address(18, XMR_SPEND, XMR_VIEW)
XMR_SUBADDRESS = monero_address(42, XMR_SPEND, XMR_VIEW)
XMR_INTEGRATED = monero_address(19, XMR_SPEND, XMR_VIEW, bytes(range(8)))

MAINNET = [
    (P2PKH, f"btc:{P2PKH}"),
    (P2SH, f"btc:{P2SH}"),
    (LTC_L, f"ltc:{LTC_L}"),
    (LTC_M, f"ltc:{LTC_M}"),
    (TRX, f"trx:{TRX}"),
    (BTC_V0, f"btc:{BTC_V0}"),
    (BTC_V0_32, f"btc:{BTC_V0_32}"),
    (BTC_V1, f"btc:{BTC_V1}"),
    (LTC_V0, f"ltc:{LTC_V0}"),
    (ETH, f"eth:{ETH.lower()}"),
    (XMR_STANDARD, f"xmr:{XMR_STANDARD}"),
    (XMR_SUBADDRESS, f"xmr:{XMR_SUBADDRESS}"),
    (XMR_INTEGRATED, f"xmr:{XMR_INTEGRATED}"),
]


def test_synthetic_addresses_have_the_documented_shapes() -> None:
    """Guards the fixtures themselves, so the tests below test what they claim to."""
    assert P2PKH.startswith("1") and P2SH.startswith("3")
    assert LTC_L.startswith("L") and LTC_M.startswith("M")
    assert TRX.startswith("T") and len(TRX) == 34
    assert BTC_V0.startswith("bc1q") and BTC_V1.startswith("bc1p") and LTC_V0.startswith("ltc1q")
    assert ETH.lower() != ETH and ETH[2:] != ETH[2:].upper()  # really mixed case
    assert len(XMR_STANDARD) == 95 and XMR_STANDARD.startswith("4")
    assert len(XMR_SUBADDRESS) == 95 and XMR_SUBADDRESS.startswith("8")
    assert len(XMR_INTEGRATED) == 106 and XMR_INTEGRATED.startswith("4")


@pytest.mark.parametrize(("address", "canonical"), MAINNET)
def test_each_family_is_found_in_a_sentence_with_its_canonical_and_span(
    address: str, canonical: str
) -> None:
    text = in_sentence(address)
    found = extract(text)
    assert [(i.kind, i.canonical, i.value) for i in found] == [("crypto", canonical, address)]
    assert text[found[0].start : found[0].end] == address
    assert validate(address) == canonical


@pytest.mark.parametrize(("address", "canonical"), MAINNET)
def test_an_address_is_found_alone_at_start_and_end_of_text(address: str, canonical: str) -> None:
    assert canonicals(address) == [canonical]
    assert canonicals(f"{address} thanks") == [canonical]
    assert canonicals(f"send to {address}") == [canonical]


@pytest.mark.parametrize(("address", "canonical"), MAINNET)
def test_an_address_glued_to_letters_or_digits_is_not_an_address(
    address: str, canonical: str
) -> None:
    for glued in (f"x{address}", f"{address}x", f"7{address}", f"{address}7", f"A{address}Z"):
        assert extract(f"pay {glued} now") == [], glued


@pytest.mark.parametrize(("address", "canonical"), MAINNET)
def test_an_address_after_punctuation_or_inside_urls_and_uris_is_found(
    address: str, canonical: str
) -> None:
    for text in (
        f"https://explorer.example/address/{address}",
        f"https://explorer.example/tx?addr={address}&x=1",
        f"wallet:{address}.",
        f"({address})",
        f'"{address}"',
        f"bitcoin:{address}?amount=0.01",
        f"💰{address}💰",
        f"wallet_{address}",
    ):
        assert canonicals(text) == [canonical], text


def test_bech32_upper_case_is_valid_and_canonical_is_lower_case() -> None:
    assert canonicals(in_sentence(BTC_V0.upper())) == [f"btc:{BTC_V0}"]
    assert canonicals(in_sentence(LTC_V0.upper())) == [f"ltc:{LTC_V0}"]


def test_bech32_mixed_case_is_rejected() -> None:
    mixed = BTC_V0[:10] + BTC_V0[10:].upper()
    assert extract(in_sentence(mixed)) == []
    assert extract(in_sentence("BC1" + BTC_V0[3:])) == []  # upper-case hrp, lower-case data


def test_segwit_checksum_constant_must_match_the_witness_version() -> None:
    v0_with_bech32m = segwit_address("bc", 0, bytes(20), const=BECH32M_CONST)
    v1_with_bech32 = segwit_address("bc", 1, bytes(32), const=1)
    assert extract(in_sentence(v0_with_bech32m)) == []
    assert extract(in_sentence(v1_with_bech32)) == []


@pytest.mark.parametrize("length", [2, 16, 33, 40])
def test_segwit_v1_plus_accepts_any_program_of_2_to_40_bytes(length: int) -> None:
    """BIP-350: witness versions 1-16 carry 2-40 byte programs (Bitcoin Core agrees)."""
    for version in (1, 2, 16):
        address = segwit_address("bc", version, bytes(range(length)))
        assert canonicals(in_sentence(address)) == [f"btc:{address}"]


@pytest.mark.parametrize("length", [1, 41])
def test_segwit_program_outside_2_to_40_bytes_is_rejected(length: int) -> None:
    assert extract(in_sentence(segwit_address("bc", 1, bytes(length)))) == []


@pytest.mark.parametrize("length", [16, 21, 31, 33])
def test_segwit_v0_needs_a_20_or_32_byte_program(length: int) -> None:
    assert extract(in_sentence(segwit_address("bc", 0, bytes(length)))) == []


def test_segwit_witness_version_above_16_is_rejected() -> None:
    assert extract(in_sentence(bech32_string("bc", [17, *five_bit(bytes(20))]))) == []


def test_segwit_over_90_characters_is_rejected_even_with_a_valid_checksum() -> None:
    longest = bech32_string("bc", [1] + [0] * 80)
    assert len(longest) == 90 and crypto._bech32_decode(longest) is not None
    long_one = bech32_string("bc", [1] + [0] * 81)
    assert crypto._bech32_decode(long_one) is None
    assert extract(in_sentence(long_one)) == []


def test_segwit_empty_data_is_rejected() -> None:
    assert extract(in_sentence(bech32_string("bc", []))) == []


def test_segwit_non_zero_padding_is_rejected() -> None:
    groups = five_bit(bytes(21))  # 168 bits in 34 groups: 2 padding bits
    groups[-1] |= 1
    assert extract(in_sentence(bech32_string("bc", [1, *groups]))) == []


def test_segwit_padding_of_more_than_4_bits_is_rejected() -> None:
    groups = [*five_bit(bytes(20)), 0]  # 33 groups: 20 bytes and 5 bits of padding
    assert extract(in_sentence(bech32_string("bc", [0, *groups], const=1))) == []


@pytest.mark.parametrize(
    "address",
    [
        segwit_address("tb", 0, bytes(20)),
        segwit_address("tb", 1, bytes(32)),
        segwit_address("bcrt", 0, bytes(20)),
        segwit_address("tltc", 0, bytes(20)),
        base58check(0x6F, bytes(20)),  # testnet P2PKH, m/n
        base58check(0xC4, bytes(20)),  # testnet P2SH, 2
        base58check(0x3A, bytes(20)),  # litecoin testnet P2SH, Q
        monero_address(53, XMR_SPEND, XMR_VIEW),  # testnet
        monero_address(24, XMR_SPEND, XMR_VIEW),  # stagenet
        monero_address(63, XMR_SPEND, XMR_VIEW),  # testnet subaddress
        monero_address(54, XMR_SPEND, XMR_VIEW, bytes(8)),  # testnet integrated
    ],
)
def test_test_networks_are_not_identifiers(address: str) -> None:
    """Test, signet, regtest and stagenet coins have no value: ads asking for them ask no money."""
    assert extract(in_sentence(address)) == []
    assert validate(address) is None


def test_litecoin_legacy_p2sh_version_is_reported_as_bitcoin() -> None:
    """0x05 is both Bitcoin P2SH and Litecoin's old P2SH: the string cannot tell them apart."""
    assert canonicals(in_sentence(P2SH)) == [f"btc:{P2SH}"]


@pytest.mark.parametrize("version", [0x01, 0x1E, 0x30 - 1, 0x40, 0x42, 0x6F, 0xFF])
def test_other_base58_versions_are_rejected(version: int) -> None:
    address = base58check(version, bytes(range(20)))
    assert extract(in_sentence(address)) == []


@pytest.mark.parametrize("payload_length", [19, 21, 32])
def test_base58check_payload_must_be_20_bytes(payload_length: int) -> None:
    for version in (0x00, 0x05, 0x30, 0x41):
        assert extract(in_sentence(base58check(version, bytes(range(payload_length))))) == []


def test_private_keys_are_not_wallets() -> None:
    wif = base58check(0x80, bytes(range(1, 33)))  # WIF private key: 51 characters
    wif_compressed = base58check(0x80, bytes(range(1, 33)) + b"\x01")
    assert extract(in_sentence(wif)) == [] and extract(in_sentence(wif_compressed)) == []


def test_eth_all_lower_and_all_upper_are_accepted_as_written() -> None:
    lower = ETH.lower()
    upper = "0x" + ETH[2:].upper()
    assert canonicals(in_sentence(lower)) == [f"eth:{lower}"]
    assert canonicals(in_sentence(upper)) == [f"eth:{lower}"]


def test_eth_mixed_case_with_a_wrong_checksum_is_rejected() -> None:
    index = next(i for i, ch in enumerate(ETH) if i >= 2 and ch.isalpha())
    flipped = ETH[:index] + ETH[index].swapcase() + ETH[index + 1 :]
    assert not is_valid_eth_address(flipped)
    assert extract(in_sentence(flipped)) == []


def test_eth_checksum_is_keccak_not_sha3() -> None:
    """EIP-55 with SHA3-256 (hashlib) spells another case pattern; ours must follow Keccak."""
    hex_digits = bytes(range(140, 160)).hex()
    sha3 = hashlib.sha3_256(hex_digits.encode()).hexdigest()
    sha3_cased = "0x" + "".join(
        c.upper() if c.isalpha() and int(n, 16) >= 8 else c
        for c, n in zip(hex_digits, sha3, strict=False)
    )
    assert sha3_cased != ETH
    assert is_valid_eth_address(ETH) and not is_valid_eth_address(sha3_cased)


@pytest.mark.parametrize(
    "text",
    [
        "0X" + "ab" * 20,  # upper-case prefix
        "0x" + "ab" * 19 + "a",  # 39 hex digits
        "0x" + "ab" * 20 + "c",  # 41 hex digits
        "0x" + "ab" * 32,  # a transaction hash, not an address
        "0x" + "ab" * 19 + "ag",  # a non-hex character
        "ab" * 20,  # no prefix
    ],
)
def test_eth_malformed_is_rejected(text: str) -> None:
    assert extract(in_sentence(text)) == []
    assert not is_valid_eth_address(text)


def test_is_valid_eth_address_refuses_non_ascii_digits() -> None:
    assert not is_valid_eth_address("0x" + "٣" * 40)  # Arabic-Indic three: int() would take it
    assert not is_valid_eth_address("0x" + "_a" * 20)


def test_monero_with_a_valid_checksum_but_an_invalid_key_is_rejected() -> None:
    bad_key = ed25519_non_point_from(b"bad")
    for spend, view in ((bad_key, XMR_VIEW), (XMR_SPEND, bad_key)):
        address = monero_address(18, spend, view)
        raw = xmr_b58decode(address)
        assert keccak256(raw[:-4])[:4] == raw[-4:]  # the checksum itself is fine
        assert extract(in_sentence(address)) == []


def test_monero_with_a_bad_checksum_is_rejected() -> None:
    raw = bytearray(xmr_b58decode(XMR_STANDARD))
    raw[-1] ^= 0x01
    assert extract(in_sentence(xmr_b58encode(bytes(raw)))) == []


def test_monero_wrong_length_for_its_network_byte_is_rejected() -> None:
    # A standard network byte with an integrated-length body, and the reverse.
    assert extract(in_sentence(monero_address(18, XMR_SPEND, XMR_VIEW, bytes(8)))) == []
    assert extract(in_sentence(monero_address(19, XMR_SPEND, XMR_VIEW))) == []


def test_monero_block_overflow_is_rejected() -> None:
    """'zzzzzzzzzzz' is 58^11-1, above 2^64: no encoder writes it, so it is not an address."""
    overflowing = XMR_STANDARD[: 11 * 3] + "z" * 11 + XMR_STANDARD[11 * 4 :]
    assert crypto._xmr_b58decode(overflowing) is None
    assert extract(in_sentence(overflowing)) == []


def test_monero_decoder_round_trips_the_test_encoder() -> None:
    for length in range(0, 20):
        data = bytes(range(200, 200 + length))
        assert crypto._xmr_b58decode(xmr_b58encode(data)) == data
    assert crypto._xmr_b58decode("1") is None  # a 1-character last block is no byte count
    assert crypto._xmr_b58decode("1" * 12) is None


def test_several_addresses_in_one_text_in_order_without_overlap() -> None:
    text = f"btc {P2PKH} or eth {ETH} {TRX} {BTC_V0}\nxmr:{XMR_STANDARD} ltc {LTC_L}"
    found = extract(text)
    assert [i.canonical for i in found] == [
        f"btc:{P2PKH}",
        f"eth:{ETH.lower()}",
        f"trx:{TRX}",
        f"btc:{BTC_V0}",
        f"xmr:{XMR_STANDARD}",
        f"ltc:{LTC_L}",
    ]
    ends = [i.end for i in found]
    starts = [i.start for i in found]
    assert all(end <= start for end, start in zip(ends, starts[1:], strict=False))


def test_the_same_address_twice_gives_two_identifiers() -> None:
    found = extract(f"{TRX} again {TRX}")
    assert [i.start for i in found] == [0, len(TRX) + 7]


def test_full_width_address_is_found_and_spans_the_original() -> None:
    wide = "".join(chr(ord(ch) + 0xFEE0) for ch in P2PKH)  # full-width forms
    text = f"send to {wide} ok"
    found = extract(text)
    assert [i.canonical for i in found] == [f"btc:{P2PKH}"]
    assert found[0].value == wide == text[found[0].start : found[0].end]


def test_invisible_characters_inside_an_address_are_seen_through() -> None:
    hidden = ETH[:10] + "\u200d" + ETH[10:20] + "\ufe0f" + ETH[20:]
    text = f"eth: {hidden}!"
    found = extract(text)
    assert [i.canonical for i in found] == [f"eth:{ETH.lower()}"]
    assert found[0].value == hidden == text[found[0].start : found[0].end]


def test_region_is_ignored() -> None:
    text = in_sentence(TRX)
    assert extract(text, "US") == extract(text, "GB") == extract(text, "")


@pytest.mark.parametrize("text", ["", " ", "hello", "1" * 200, "bc1" + "q" * 200, "0x" * 50])
def test_texts_without_addresses_give_nothing(text: str) -> None:
    assert extract(text) == []


def test_validate_refuses_surrounding_text_and_garbage() -> None:
    assert validate(f" {P2PKH}") is None
    assert validate(f"{P2PKH} ") is None
    assert validate("") is None
    assert validate("not an address") is None


# --- hypothesis properties ------------------------------------------------------------------------

_SEPARATORS = st.sampled_from([" ", "\n", ": ", " (", ") ", "/", "=", "💋", "，", "\u3000"])
_NOISE = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


@given(st.text(max_size=400))
@settings(max_examples=400)
def test_any_text_gives_no_exception_and_spans_index_the_original(text: str) -> None:
    found = extract(text)
    previous_end = 0
    for ident in found:
        assert ident.kind == "crypto"
        assert ident.value == text[ident.start : ident.end]
        assert ident.start >= previous_end
        previous_end = ident.end
        assert ident.canonical.split(":", 1)[0] in {"btc", "eth", "trx", "ltc", "xmr"}


_ALNUMISH = st.text(alphabet=B58_ALPHABET + "0x bcltOIl" + BECH32_ALPHABET.upper(), max_size=300)


@given(_ALNUMISH)
@settings(max_examples=300)
def test_address_alphabet_soup_gives_no_exception_and_only_valid_addresses(text: str) -> None:
    for ident in extract(text):
        assert ident.value == text[ident.start : ident.end]
        assert validate(ident.value) == ident.canonical


@st.composite
def generated_addresses(draw: st.DrawFn) -> tuple[str, str]:
    """A valid mainnet address of any family from random bytes, with its canonical form."""
    family = draw(st.sampled_from(["p2pkh", "p2sh", "ltc", "trx", "segwit", "eth", "xmr"]))
    if family in ("p2pkh", "p2sh", "ltc", "trx"):
        version = {"p2pkh": 0x00, "p2sh": 0x05, "trx": 0x41}.get(family)
        if version is None:
            version = draw(st.sampled_from([0x30, 0x32]))
        address = base58check(version, draw(st.binary(min_size=20, max_size=20)))
        coin = {0x00: "btc", 0x05: "btc", 0x30: "ltc", 0x32: "ltc", 0x41: "trx"}[version]
        return address, f"{coin}:{address}"
    if family == "segwit":
        hrp = draw(st.sampled_from(["bc", "ltc"]))
        version = draw(st.integers(0, 16))
        size = draw(st.sampled_from([20, 32]) if version == 0 else st.integers(2, 40))
        address = segwit_address(hrp, version, draw(st.binary(min_size=size, max_size=size)))
        written = address.upper() if draw(st.booleans()) else address
        return written, f"{'btc' if hrp == 'bc' else 'ltc'}:{address}"
    if family == "eth":
        raw = draw(st.binary(min_size=20, max_size=20))
        style = draw(st.sampled_from(["eip55", "lower", "upper"]))
        address = eip55(raw)
        if style == "lower":
            address = address.lower()
        elif style == "upper":
            address = "0x" + address[2:].upper()
        return address, f"eth:0x{raw.hex()}"
    net_byte = draw(st.sampled_from([18, 42, 19]))
    seed = draw(st.binary(min_size=1, max_size=8))
    payment_id = draw(st.binary(min_size=8, max_size=8)) if net_byte == 19 else b""
    address = monero_address(
        net_byte, ed25519_point_from(seed + b"s"), ed25519_point_from(seed + b"v"), payment_id
    )
    return address, f"xmr:{address}"


@given(generated_addresses(), _NOISE, _SEPARATORS, _SEPARATORS, _NOISE)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_generated_valid_addresses_are_found_in_any_surroundings(
    address_and_canonical: tuple[str, str], before: str, sep1: str, sep2: str, after: str
) -> None:
    address, canonical = address_and_canonical
    text = before + sep1 + address + sep2 + after
    found = [i for i in extract(text) if i.canonical == canonical]
    assert found, text
    assert any(text[i.start : i.end] == address for i in found)


@given(generated_addresses(), st.data())
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_one_substituted_character_makes_a_look_alike_that_is_rejected(
    address_and_canonical: tuple[str, str], data: st.DataObject
) -> None:
    address, canonical = address_and_canonical
    coin = canonical.split(":", 1)[0]
    if coin == "eth":
        letters = [i for i, ch in enumerate(address) if i >= 2 and ch.isalpha()]
        assume(address[2:] not in (address[2:].lower(), address[2:].upper()) and letters)
        # Flipping a letter's case breaks EIP-55 (a changed digit in an all-lower or all-upper
        # address has no checksum to break, by the standard's own design).
        index = data.draw(st.sampled_from(letters))
        look_alike = address[:index] + address[index].swapcase() + address[index + 1 :]
    else:
        if coin in ("btc", "ltc") and address.lower().startswith(("bc1", "ltc1")):
            start = address.index("1") + 1
            alphabet = BECH32_ALPHABET.upper() if address.isupper() else BECH32_ALPHABET
        else:
            start = 1
            alphabet = B58_ALPHABET
        index = data.draw(st.integers(start, len(address) - 1))
        replacement = data.draw(st.sampled_from([ch for ch in alphabet if ch != address[index]]))
        look_alike = address[:index] + replacement + address[index + 1 :]
    assert look_alike != address
    assert not [i for i in extract(in_sentence(look_alike)) if i.canonical.startswith(coin)]


@given(st.binary(min_size=32, max_size=32))
@settings(max_examples=500)
def test_ed25519_point_check_agrees_with_rfc8032(key: bytes) -> None:
    assert crypto._is_ed25519_point(key) == rfc8032_is_point(key)


def test_ed25519_point_check_edge_encodings() -> None:
    p = 2**255 - 19
    for y, sign, expected in ((1, 0, True), (1, 1, False), (p - 1, 0, True), (p, 0, False)):
        key = (y | (sign << 255)).to_bytes(32, "little")
        assert crypto._is_ed25519_point(key) is expected
        assert rfc8032_is_point(key) is expected
    random_key = os.urandom(32)
    try:
        eddsa.import_public_key(random_key)
        library = True
    except ValueError:
        library = False
    assert crypto._is_ed25519_point(random_key) is library


def test_find_accepts_a_prefolded_text() -> None:
    folded = fold(in_sentence(TRX))
    assert [i.canonical for i in find(folded, "US")] == [f"trx:{TRX}"]
