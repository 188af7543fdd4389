"""Cryptocurrency wallet addresses, kept only when their checksum verifies.

A wallet in an ad is a money trail: one checksum-valid address shared by many posts links them,
and a mistyped look-alike would link nothing real, so every candidate is decoded and verified,
and a string whose checksum (or structure) fails is never an identifier.

What counts, and the canonical form of each:

- ``btc:ADDR``: Bitcoin mainnet. Base58check P2PKH (version 0x00, ``1...``) and P2SH (version
  0x05, ``3...``), written as is (base58 is case-sensitive). Segwit addresses with hrp ``bc``
  under BIP-173 (witness v0, bech32, 20- or 32-byte program) and BIP-350 (witness v1-v16,
  bech32m, 2-40 byte program; Bitcoin Core accepts the same set), written in lowercase.
  Mixed case, more than 90 characters, bad padding and the wrong checksum constant for the
  witness version are rejected, as both BIPs require.
- ``ltc:ADDR``: Litecoin mainnet. Base58check versions 0x30 (``L...``) and 0x32 (``M...``), and
  segwit addresses with hrp ``ltc`` under the same BIP-173/350 rules, lowercase. Litecoin's old
  P2SH version 0x05 (``3...``) is byte-for-byte a Bitcoin P2SH address: it is reported as
  ``btc``, since nothing in the string tells the two apart.
- ``trx:ADDR``: TRON. Base58check, version 0x41, 34 characters starting with ``T``.
- ``eth:0x...``: Ethereum (and every EVM chain that shares its address format: BSC, Polygon,
  Arbitrum...). ``0x`` plus 40 hex digits; all-lowercase or all-uppercase hex is accepted as is,
  mixed case must verify under EIP-55 (Keccak-256, not SHA3-256). Canonical is lowercase.
  The prefix must be a lowercase ``0x``.
- ``xmr:ADDR``: Monero mainnet, in Monero's block base58 (8-byte blocks to 11 characters) with a
  4-byte Keccak-256 checksum: standard (network byte 18, 95 characters, ``4...``), subaddress
  (42, 95 characters, ``8...``) and integrated (19, 106 characters). Both public keys must be
  valid Ed25519 points, as Monero's wallet requires.

Testnet, signet, regtest and stagenet addresses (``tb1``, ``bcrt1``, ``tltc1``, ``m``/``n``/``2``
base58, Litecoin ``Q``, Monero ``5``/``7``/``9``/``A``/``B``) are not identifiers: their coins
have no value, so an ad that asks for them is not asking for money, and test vectors pasted into
texts would otherwise link unrelated posts.

The canonical coin is the one the address format names. Formats that other coins share cannot
be told apart from the string alone: legacy Bitcoin Cash and Bitcoin SV addresses are Bitcoin's
(``btc``), a few altcoins reuse Litecoin's 0x32 version (``ltc``), and every EVM chain uses
Ethereum's (``eth``).

An address must stand alone: glued to other ASCII letters or digits it is not an address (so a
40-hex run inside a 64-hex transaction hash is not a wallet). Inside URLs, BIP-21 URIs
(``bitcoin:1...?amount=``) and after punctuation it is found. ``region`` is not used: addresses
are global.
"""

from __future__ import annotations

import re
from typing import Final

import base58
from Crypto.Hash import keccak
from Crypto.Signature import eddsa

from threadline.extract.normalize import Folded
from threadline.records import Identifier

__all__ = ["find", "is_valid_eth_address", "validate"]

_B58: Final = "1-9A-HJ-NP-Za-km-z"
_BECH32_CHARS: Final = "02-9ac-hj-np-zAC-HJ-NP-Z"

#: Every address family as one pass over the text, which callers prefix with one space: the
#: pattern starts by consuming the non-alphanumeric character before an address (a cheaper start
#: than a look-behind, since the engine skips straight to separators), and the address itself is
#: the one named group that matched. Alternatives are disjoint by their first characters (``0x``;
#: ``bc1``/``ltc1`` in either case; ``4``/``8``; ``1``/``3``/``L``/``M``/``T``), except upper-case
#: ``LTC1...``, which the segwit branch tries first. The bounds admit only lengths some valid
#: address has, so most words fail after a character or two.
_CANDIDATE: Final = re.compile(
    r"[^0-9A-Za-z](?:"
    r"(?P<eth>0x[0-9a-fA-F]{40})"
    rf"|(?P<segwit>(?:[bB][cC]|[lL][tT][cC])1[{_BECH32_CHARS}]{{11,87}})"
    rf"|(?P<xmr>[48][{_B58}]{{94}}(?:[{_B58}]{{11}})?)"
    rf"|(?P<base58>[13LMT][{_B58}]{{24,34}})"
    r")(?![0-9A-Za-z])"
)

#: Cheap test that a (space-prefixed) text may hold a candidate at all: the shortest address (a
#: 14-character segwit v1+ one) is a run of at least 14 letters or digits. Typical ad prose has
#: none, so most posts cost this one scan.
_PREFILTER: Final = re.compile(r"[^0-9A-Za-z][0-9A-Za-z]{14}")

# --- base58check (Bitcoin, Litecoin, TRON) ---------------------------------------------------

#: Version byte of a 25-byte base58check payload -> coin. 0x05 is Bitcoin's P2SH and also
#: Litecoin's legacy P2SH; it is reported as btc (module docstring).
_BASE58_VERSIONS: Final[dict[int, str]] = {
    0x00: "btc",
    0x05: "btc",
    0x30: "ltc",
    0x32: "ltc",
    0x41: "trx",
}


def _base58check_coin(address: str) -> str | None:
    """Coin of a checksum-valid mainnet base58check address (25 decoded bytes), else None."""
    try:
        payload = base58.b58decode_check(address)
    except ValueError:
        return None
    if len(payload) != 21:
        return None
    return _BASE58_VERSIONS.get(payload[0])


# --- bech32 / bech32m segwit (BIP-173, BIP-350) ------------------------------------------------

_BECH32_ALPHABET: Final = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_VALUES: Final[dict[str, int]] = {ch: i for i, ch in enumerate(_BECH32_ALPHABET)}
_BECH32_GENERATOR: Final = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_BECH32_CONST: Final = 1
_BECH32M_CONST: Final = 0x2BC830A3
_SEGWIT_HRPS: Final[dict[str, str]] = {"bc": "btc", "ltc": "ltc"}


def _bech32_polymod(values: list[int]) -> int:
    """BIP-173's checksum polynomial (shared by bech32 and bech32m; only the constant differs).

    Written here rather than taken from the ``bech32`` package: that package (1.2.0) knows only
    the bech32 constant, not BIP-350's bech32m, and skips the 90-character limit.
    """
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            if (top >> i) & 1:
                chk ^= _BECH32_GENERATOR[i]
    return chk


def _bech32_decode(text: str) -> tuple[str, list[int], int] | None:
    """``(hrp, data without checksum, checksum constant)`` of a bech32/bech32m string, else None."""
    if len(text) > 90 or (text != text.lower() and text != text.upper()):
        return None
    if any(ord(ch) < 33 or ord(ch) > 126 for ch in text):
        return None
    text = text.lower()
    sep = text.rfind("1")
    if sep < 1 or sep + 7 > len(text):
        return None
    hrp = text[:sep]
    try:
        data = [_BECH32_VALUES[ch] for ch in text[sep + 1 :]]
    except KeyError:
        return None
    expanded = [ord(ch) >> 5 for ch in hrp] + [0] + [ord(ch) & 31 for ch in hrp]
    const = _bech32_polymod(expanded + data)
    if const not in (_BECH32_CONST, _BECH32M_CONST):
        return None
    return hrp, data[:-6], const


def _five_to_eight_bits(data: list[int]) -> bytes | None:
    """Regroup 5-bit values into bytes; None if the padding is over 4 bits or not all zero."""
    acc = 0
    bits = 0
    out = bytearray()
    for value in data:
        acc = (acc << 5) | value
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    if bits >= 5 or (acc & ((1 << bits) - 1)):
        return None
    return bytes(out)


def _segwit_coin(address: str) -> str | None:
    """Coin of a valid mainnet segwit address (BIP-173 v0 / BIP-350 v1-v16), else None."""
    decoded = _bech32_decode(address)
    if decoded is None:
        return None
    hrp, data, const = decoded
    coin = _SEGWIT_HRPS.get(hrp)
    if coin is None or not data:
        return None
    version = data[0]
    if version > 16:
        return None
    program = _five_to_eight_bits(data[1:])
    if program is None or not 2 <= len(program) <= 40:
        return None
    if version == 0:
        if const != _BECH32_CONST or len(program) not in (20, 32):
            return None
    elif const != _BECH32M_CONST:
        return None
    return coin


# --- Ethereum (EIP-55) -----------------------------------------------------------------------

_ETH_ADDRESS: Final = re.compile(r"0x[0-9a-fA-F]{40}")


def _keccak256(data: bytes) -> bytes:
    """Keccak-256 as Ethereum and Monero use it (the pre-standard padding, not SHA3-256)."""
    digest: bytes = keccak.new(digest_bits=256, data=data).digest()
    return digest


def is_valid_eth_address(address: str) -> bool:
    """``0x`` + 40 hex; if the letters are mixed case, they must spell the EIP-55 checksum."""
    if _ETH_ADDRESS.fullmatch(address) is None:
        return False
    digits = address[2:]
    lowered = digits.lower()
    if digits == lowered or digits == digits.upper():
        return True  # no case information to check: EIP-55 accepts such addresses as they are
    hashed = _keccak256(lowered.encode("ascii")).hex()
    return all(
        digit.isupper() == (nibble in "89abcdef")
        for digit, nibble in zip(digits, hashed[:40], strict=True)
        if digit.isalpha()
    )


# --- Monero ----------------------------------------------------------------------------------

_B58_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_VALUES: Final[dict[str, int]] = {ch: i for i, ch in enumerate(_B58_ALPHABET)}
#: Monero base58: a block of n bytes (0..8) takes this many characters.
_XMR_ENCODED_SIZES: Final = (0, 2, 3, 5, 6, 7, 9, 10, 11)
_XMR_DECODED_SIZE: Final[dict[int, int]] = {enc: n for n, enc in enumerate(_XMR_ENCODED_SIZES)}
#: Mainnet network byte -> decoded length (tag + spend key + view key [+ payment id] + checksum).
_XMR_MAINNET_LENGTHS: Final[dict[int, int]] = {18: 69, 42: 69, 19: 77}


def _xmr_b58decode(text: str) -> bytes | None:
    """Monero's block base58: 11 characters per 8 bytes, a shorter last block; None if invalid."""
    last_size = _XMR_DECODED_SIZE.get(len(text) % 11)
    if last_size is None:
        return None
    out = bytearray()
    for start in range(0, len(text), 11):
        block = text[start : start + 11]
        size = 8 if len(block) == 11 else last_size
        value = 0
        for ch in block:
            digit = _B58_VALUES.get(ch)
            if digit is None:
                return None
            value = value * 58 + digit
        if value >> (8 * size):
            return None  # the block overflows its byte size: not an encoder's output
        out += value.to_bytes(size, "big")
    return bytes(out)


def _is_ed25519_point(key: bytes) -> bool:
    """Whether 32 bytes decode to a point on Ed25519 (RFC 8032), as Monero's wallet requires."""
    try:
        eddsa.import_public_key(key)
    except ValueError:
        return False
    return True


def _is_monero_mainnet(address: str) -> bool:
    """Standard, subaddress or integrated mainnet address with a valid checksum and keys."""
    raw = _xmr_b58decode(address)
    if raw is None or len(raw) != _XMR_MAINNET_LENGTHS.get(raw[0], -1):
        return False
    if _keccak256(raw[:-4])[:4] != raw[-4:]:
        return False
    return _is_ed25519_point(raw[1:33]) and _is_ed25519_point(raw[33:65])


# --- the extractor ---------------------------------------------------------------------------


def validate(address: str) -> str | None:
    """Canonical ``coin:address`` of one whole, checksum-valid mainnet address, else None.

    The family is told by the same pattern :func:`find` uses, so ``validate(s)`` is not None
    exactly when ``find`` would report ``s`` standing alone.
    """
    match = _CANDIDATE.fullmatch(" " + address)
    if match is None or match.lastgroup is None:
        return None
    return _canonical(match.lastgroup, address)


def _canonical(family: str, address: str) -> str | None:
    """Canonical form of a candidate of the given family, or None when it does not verify."""
    if family == "base58":
        coin = _base58check_coin(address)
        return None if coin is None else f"{coin}:{address}"
    if family == "segwit":
        coin = _segwit_coin(address)
        return None if coin is None else f"{coin}:{address.lower()}"
    if family == "eth":
        return f"eth:{address.lower()}" if is_valid_eth_address(address) else None
    return f"xmr:{address}" if _is_monero_mainnet(address) else None


def find(folded: Folded, region: str) -> list[Identifier]:
    """Every checksum-valid wallet address in ``folded``, in text order, none overlapping.

    ``region`` is accepted for the extractor interface and ignored: addresses are global.
    """
    padded = " " + folded.text  # so that an address at the very start has a separator too
    if _PREFILTER.search(padded) is None:
        return []
    found: list[Identifier] = []
    for match in _CANDIDATE.finditer(padded):
        family = match.lastgroup
        if family is None:
            continue
        canonical = _canonical(family, match.group(family))
        if canonical is None:
            continue
        # The padding shifts every folded offset by one.
        start, end = folded.span(match.start(family) - 1, match.end(family) - 1)
        found.append(Identifier("crypto", folded.original[start:end], canonical, start, end))
    return found
