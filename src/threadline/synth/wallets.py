"""Checksum-valid cryptocurrency addresses from seeded random payloads, and broken look-alikes.

The corpus needs wallets that a real validator accepts (so that linking by wallet can be tested)
and near misses that it must reject (so that precision can be tested). Addresses are built with
the real encodings: base58check (Bitcoin P2PKH/P2SH, Litecoin, TRON), bech32 and bech32m (BIP-173
and BIP-350 segwit), EIP-55 (Ethereum) and Monero's block base58 with a Keccak-256 checksum. The
payloads are random bytes, not hashes of real keys: nobody holds these wallets.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final, Literal

import base58
import bech32
from Crypto.Hash import keccak

__all__ = [
    "CHAINS",
    "Wallet",
    "bech32m_encode",
    "eip55",
    "is_ed25519_point",
    "make_lookalike",
    "make_wallet",
    "monero_b58decode",
    "monero_b58encode",
]

Chain = Literal["btc", "eth", "trx", "ltc", "xmr"]

#: Every chain the generator writes, with the address variants it draws from (equal odds).
CHAINS: Final[dict[Chain, tuple[str, ...]]] = {
    "btc": ("p2pkh", "p2sh", "p2wpkh", "p2tr"),
    "eth": ("eip55", "lower"),
    "trx": ("base58",),
    "ltc": ("p2pkh", "p2sh", "p2wpkh"),
    "xmr": ("standard",),
}

_BECH32M_CONST: Final = 0x2BC830A3
_B58_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
#: Monero base58: a block of n bytes (index) takes this many characters.
_XMR_ENCODED_SIZES: Final = (0, 2, 3, 5, 6, 7, 9, 10, 11)
_XMR_DECODED_SIZE: Final[dict[int, int]] = {size: n for n, size in enumerate(_XMR_ENCODED_SIZES)}
_XMR_MAINNET_STANDARD: Final = 18

_ED_P: Final = 2**255 - 19
_ED_D: Final = (-121665 * pow(121666, -1, _ED_P)) % _ED_P
_ED_SQRT_M1: Final = pow(2, (_ED_P - 1) // 4, _ED_P)


@dataclass(frozen=True, slots=True)
class Wallet:
    """One address as written; ``canonical`` is empty for a look-alike (not an identifier)."""

    chain: Chain
    variant: str
    address: str
    canonical: str
    valid: bool


def keccak256(data: bytes) -> bytes:
    """Keccak-256 with the original padding (Ethereum, Monero), not SHA3-256."""
    digest: bytes = keccak.new(digest_bits=256, data=data).digest()
    return digest


def eip55(hex40: str) -> str:
    """``0x`` plus the EIP-55 mixed-case spelling of 40 hex digits."""
    lowered = hex40.lower()
    hashed = keccak256(lowered.encode("ascii")).hex()
    spelled = "".join(
        ch.upper() if ch.isalpha() and nibble in "89abcdef" else ch
        for ch, nibble in zip(lowered, hashed[:40], strict=True)
    )
    return "0x" + spelled


def bech32m_encode(hrp: str, witver: int, program: bytes) -> str:
    """BIP-350 segwit address (witness version >= 1); the bech32 package only does BIP-173."""
    data = [witver, *(bech32.convertbits(list(program), 8, 5) or [])]
    values = bech32.bech32_hrp_expand(hrp) + data
    polymod = bech32.bech32_polymod([*values, 0, 0, 0, 0, 0, 0]) ^ _BECH32M_CONST
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(bech32.CHARSET[d] for d in data + checksum)


def monero_b58encode(data: bytes) -> str:
    """Monero's block base58: each 8-byte block becomes exactly 11 characters, zero-padded."""
    out: list[str] = []
    for start in range(0, len(data), 8):
        block = data[start : start + 8]
        value = int.from_bytes(block, "big")
        chars: list[str] = []
        for _ in range(_XMR_ENCODED_SIZES[len(block)]):
            value, digit = divmod(value, 58)
            chars.append(_B58_ALPHABET[digit])
        out.append("".join(reversed(chars)))
    return "".join(out)


def monero_b58decode(text: str) -> bytes | None:
    """Inverse of :func:`monero_b58encode`; None for a bad length, character or block overflow."""
    last_size = _XMR_DECODED_SIZE.get(len(text) % 11)
    if last_size is None:
        return None
    out = bytearray()
    for start in range(0, len(text), 11):
        block = text[start : start + 11]
        size = 8 if len(block) == 11 else last_size
        value = 0
        for ch in block:
            digit = _B58_ALPHABET.find(ch)
            if digit < 0:
                return None
            value = value * 58 + digit
        if value >> (8 * size):
            return None
        out += value.to_bytes(size, "big")
    return bytes(out)


def is_ed25519_point(key: bytes) -> bool:
    """RFC 8032 point decoding succeeds: Monero's wallet rejects keys that are not points."""
    encoded = int.from_bytes(key, "little")
    sign = encoded >> 255
    y = encoded & ((1 << 255) - 1)
    if y >= _ED_P:
        return False
    y2 = y * y % _ED_P
    u = (y2 - 1) % _ED_P
    v = (_ED_D * y2 + 1) % _ED_P
    x = u * pow(v, 3, _ED_P) * pow(u * pow(v, 7, _ED_P), (_ED_P - 5) // 8, _ED_P) % _ED_P
    vx2 = v * x * x % _ED_P
    if vx2 != u:
        if vx2 != (-u) % _ED_P:
            return False
        x = x * _ED_SQRT_M1 % _ED_P
    return not (x == 0 and sign)


def _random_point(rng: random.Random) -> bytes:
    """A random encoded Ed25519 point (about half of random 32-byte strings decode)."""
    while True:
        key = rng.randbytes(32)
        if is_ed25519_point(key):
            return key


def _base58check(version: int, rng: random.Random) -> str:
    encoded: bytes = base58.b58encode_check(bytes([version]) + rng.randbytes(20))
    return encoded.decode("ascii")


def _segwit_v0(hrp: str, rng: random.Random) -> str:
    address = bech32.encode(hrp, 0, list(rng.randbytes(20)))
    if address is None:  # pragma: no cover - a 20-byte v0 program always encodes
        raise ValueError("bech32 encoding failed")
    return str(address)


def make_wallet(rng: random.Random, chain: Chain, variant: str | None = None) -> Wallet:
    """A checksum-valid mainnet address of ``chain`` (variant drawn from :data:`CHAINS`)."""
    variants = CHAINS[chain]
    if variant is None:
        variant = variants[rng.randrange(len(variants))]
    elif variant not in variants:
        raise ValueError(f"unknown {chain} variant {variant!r}; expected one of {variants}")
    address: str
    if chain == "btc":
        if variant == "p2pkh":
            address = _base58check(0x00, rng)
        elif variant == "p2sh":
            address = _base58check(0x05, rng)
        elif variant == "p2wpkh":
            address = _segwit_v0("bc", rng)
        else:
            address = bech32m_encode("bc", 1, rng.randbytes(32))
    elif chain == "ltc":
        if variant == "p2pkh":
            address = _base58check(0x30, rng)
        elif variant == "p2sh":
            address = _base58check(0x32, rng)
        else:
            address = _segwit_v0("ltc", rng)
    elif chain == "trx":
        address = _base58check(0x41, rng)
    elif chain == "eth":
        hex40 = rng.randbytes(20).hex()
        address = eip55(hex40) if variant == "eip55" else "0x" + hex40
        # A random address without letters a-f is all-lowercase; that is still valid.
    else:
        body = bytes([_XMR_MAINNET_STANDARD]) + _random_point(rng) + _random_point(rng)
        address = monero_b58encode(body + keccak256(body)[:4])
    canonical = f"eth:{address.lower()}" if chain == "eth" else f"{chain}:{address}"
    return Wallet(chain, variant, address, canonical, True)


def _checksum_ok(wallet: Wallet, address: str) -> bool:
    """Independent re-check used to make sure a look-alike really fails."""
    if wallet.chain == "eth":
        digits = address[2:]
        if digits in (digits.lower(), digits.upper()):
            return True
        return eip55(digits) == address
    if wallet.chain == "xmr":
        raw = monero_b58decode(address)
        return raw is not None and len(raw) == 69 and keccak256(raw[:-4])[:4] == raw[-4:]
    if address.startswith(("bc1", "ltc1")):
        hrp, data = bech32.bech32_decode(address)
        if hrp is None or data is None:
            # bech32_decode only accepts the BIP-173 constant; check BIP-350 too.
            return _bech32m_ok(address)
        return True
    try:
        base58.b58decode_check(address)
    except ValueError:
        return False
    return True


def _bech32m_ok(address: str) -> bool:
    hrp, _, data_part = address.rpartition("1")
    if not hrp or any(ch not in bech32.CHARSET for ch in data_part):
        return False
    data = [bech32.CHARSET.find(ch) for ch in data_part]
    return bool(bech32.bech32_polymod(bech32.bech32_hrp_expand(hrp) + data) == _BECH32M_CONST)


def make_lookalike(rng: random.Random, wallet: Wallet) -> Wallet:
    """``wallet`` with one character changed so that its checksum fails: not an identifier.

    Ethereum look-alikes flip the case of one hex letter of an EIP-55 address (so the case no
    longer spells the checksum); the others replace one character after the prefix with another
    from the same alphabet, which every one of these checksums detects.
    """
    address = wallet.address
    if wallet.chain == "eth":
        if wallet.variant != "eip55":
            address = eip55(address[2:])
        letters = [i for i, ch in enumerate(address) if i >= 2 and ch.isalpha()]
        if len(letters) < 3:
            return make_lookalike(rng, make_wallet(rng, "eth", "eip55"))
        while True:
            i = letters[rng.randrange(len(letters))]
            broken = address[:i] + address[i].swapcase() + address[i + 1 :]
            if not _checksum_ok(wallet, broken):
                return Wallet("eth", "eip55", broken, "", False)
    alphabet = bech32.CHARSET if address.startswith(("bc1", "ltc1")) else _B58_ALPHABET
    first = address.index("1") + 1 if alphabet is bech32.CHARSET else 1
    while True:
        i = rng.randrange(first, len(address))
        replacement = alphabet[rng.randrange(len(alphabet))]
        if replacement == address[i]:
            continue
        broken = address[:i] + replacement + address[i + 1 :]
        if not _checksum_ok(wallet, broken):
            return Wallet(wallet.chain, wallet.variant, broken, "", False)
