"""Shared helpers for the crypto extractor tests: independent encoders and a synthetic ad corpus.

The encoders here are written from the specifications (BIP-173/350, EIP-55, Monero's block
base58, RFC 8032), separately from :mod:`threadline.extract.crypto`, so the tests check the
module against a second reading of the specs rather than against itself. No tests live here.
"""

from __future__ import annotations

import hashlib
import json
import random
from functools import cache
from pathlib import Path
from typing import Any

import base58
import bech32
from Crypto.Hash import keccak

from threadline.extract.crypto import find
from threadline.extract.normalize import fold
from threadline.records import Identifier

VECTORS = Path(__file__).parent / "data" / "vectors"

B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BECH32_ALPHABET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
BECH32M_CONST = 0x2BC830A3


@cache
def load_vectors(relative: str) -> Any:
    """Parsed JSON of one vector file under tests/data/vectors."""
    return json.loads((VECTORS / relative).read_text(encoding="utf-8"))


def extract(text: str, region: str = "US") -> list[Identifier]:
    """Run the extractor the way the facade does: fold once, then ``find``."""
    return find(fold(text), region)


def canonicals(text: str) -> list[str]:
    return [ident.canonical for ident in extract(text)]


def in_sentence(address: str) -> str:
    """A synthetic ad sentence with the address standing alone in it."""
    return f"New in town, sweet and discreet. Deposit first to {address} then text me 💋"


# --- encoders ----------------------------------------------------------------------------------


def keccak256(data: bytes) -> bytes:
    digest: bytes = keccak.new(digest_bits=256, data=data).digest()
    return digest


def base58check(version: int, payload: bytes) -> str:
    """Bitcoin-style base58check, checksum by double SHA-256 computed here (not by base58)."""
    raw = bytes([version]) + payload
    checksum = hashlib.sha256(hashlib.sha256(raw).digest()).digest()[:4]
    encoded: bytes = base58.b58encode(raw + checksum)
    return encoded.decode("ascii")


def five_bit(program: bytes) -> list[int]:
    """Bytes regrouped into 5-bit values, zero-padded (the ``bech32`` package's converter)."""
    groups = bech32.convertbits(list(program), 8, 5, True)
    assert groups is not None  # padding on: every byte string converts
    return groups


def bech32_string(hrp: str, data: list[int], *, const: int = BECH32M_CONST) -> str:
    """``hrp1<data><checksum>`` with the given checksum constant (1 = bech32, else bech32m)."""
    values = bech32.bech32_hrp_expand(hrp) + data
    polymod = bech32.bech32_polymod([*values, 0, 0, 0, 0, 0, 0]) ^ const
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32_ALPHABET[d] for d in data + checksum)


def segwit_address(hrp: str, version: int, program: bytes, *, const: int | None = None) -> str:
    """A BIP-173 (v0) / BIP-350 (v1+) address; ``const`` forces the other checksum constant."""
    if const is None:
        const = 1 if version == 0 else BECH32M_CONST
    return bech32_string(hrp, [version, *five_bit(program)], const=const)


def eip55(address20: bytes) -> str:
    """EIP-55 mixed-case checksum encoding of a 20-byte address."""
    hex_digits = address20.hex()
    hashed = keccak256(hex_digits.encode("ascii")).hex()
    return "0x" + "".join(
        ch.upper() if ch.isalpha() and int(nibble, 16) >= 8 else ch
        for ch, nibble in zip(hex_digits, hashed, strict=False)
    )


_XMR_BLOCK_CHARS = (0, 2, 3, 5, 6, 7, 9, 10, 11)


def xmr_b58encode(data: bytes) -> str:
    """Monero base58: each 8-byte block to 11 characters, a shorter last block padded with '1'."""
    out: list[str] = []
    for start in range(0, len(data), 8):
        block = data[start : start + 8]
        value = int.from_bytes(block, "big")
        chars: list[str] = []
        for _ in range(_XMR_BLOCK_CHARS[len(block)]):
            value, digit = divmod(value, 58)
            chars.append(B58_ALPHABET[digit])
        out.append("".join(reversed(chars)))
    return "".join(out)


def xmr_b58decode(text: str) -> bytes:
    """Inverse of :func:`xmr_b58encode` for well-formed input (test data only)."""
    out = bytearray()
    for start in range(0, len(text), 11):
        block = text[start : start + 11]
        size = _XMR_BLOCK_CHARS.index(len(block))
        value = 0
        for ch in block:
            value = value * 58 + B58_ALPHABET.index(ch)
        out += value.to_bytes(size, "big")
    return bytes(out)


def monero_address(net_byte: int, spend: bytes, view: bytes, payment_id: bytes = b"") -> str:
    body = bytes([net_byte]) + spend + view + payment_id
    return xmr_b58encode(body + keccak256(body)[:4])


# --- Ed25519 (RFC 8032 section 5.1.3), as a second opinion on point validity -------------------

_P = 2**255 - 19
_D = (-121665 * pow(121666, -1, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def rfc8032_is_point(key: bytes) -> bool:
    """Whether 32 bytes decode to an Ed25519 point, following RFC 8032's decoding steps."""
    encoded = int.from_bytes(key, "little")
    sign = encoded >> 255
    y = encoded & ((1 << 255) - 1)
    if y >= _P:
        return False
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    vx2 = v * x * x % _P
    if vx2 != u:
        if vx2 != (-u) % _P:
            return False
        x = x * _SQRT_M1 % _P
    return not (x == 0 and sign)


def ed25519_point_from(seed: bytes) -> bytes:
    """A valid Ed25519 point encoding derived deterministically from ``seed``."""
    candidate = hashlib.sha256(seed).digest()
    while not rfc8032_is_point(candidate):
        candidate = hashlib.sha256(candidate).digest()
    return candidate


def ed25519_non_point_from(seed: bytes) -> bytes:
    """32 bytes (with y below p) that are NOT an Ed25519 point, derived from ``seed``."""
    candidate = hashlib.sha256(b"x" + seed).digest()
    while rfc8032_is_point(candidate) or int.from_bytes(candidate, "little") % 2**255 >= _P:
        candidate = hashlib.sha256(candidate).digest()
    return candidate


# --- synthetic ads -------------------------------------------------------------------------------

_WORD_TEXT = (
    "new in town sweet petite girl available now incall outcall call text me anytime no rush "
    "friendly discreet clean upscale private apartment near downtown hotel visits ask about "
    "specials tonight only real pics verified satisfaction guaranteed young fun massage relaxing "
    "professional service open late weekend hours donations roses hour half special serious "
    "gentlemen independent beautiful exotic curvy slim deposit required before meeting"
)
_WORDS = _WORD_TEXT.split()
_EMOJI = ("💋", "🔥", "😘", "💦", "🌹", "✨", "❤️", "👅", "🍑", "💯")


def synthetic_ad(rng: random.Random, wallet: str | None = None) -> str:
    """A 200-800 character synthetic ad (words, emoji, phones, prices, URLs, hashtags)."""
    parts: list[str] = []
    target = rng.randint(200, 800)
    length = 0
    while length < target:
        roll = rng.random()
        if roll < 0.04:
            part = rng.choice(_EMOJI)
        elif roll < 0.06:
            part = f"({rng.randint(200, 999)}) 555-{rng.randint(1000, 9999)}"
        elif roll < 0.07:
            part = f"https://www.example-{rng.randint(1, 99)}.test/p/{rng.randint(10**6, 10**9)}"
        elif roll < 0.08:
            part = f"${rng.randint(80, 400)}hh"
        elif roll < 0.09:
            part = "#" + rng.choice(_WORDS) + rng.choice(_WORDS)
        else:
            part = rng.choice(_WORDS)
        parts.append(part)
        length += len(part) + 1
    if wallet is not None:
        parts.insert(rng.randrange(len(parts) + 1), wallet)
    return " ".join(parts)
