"""Envelope encryption of personal fields: AES-GCM data keys per record, wrapped by a master key.

The master keyring lives in a key file or an environment variable, never in the database or the
repository. Each ciphertext's associated data names its table, row and field, so a ciphertext
copied to another row or field fails to decrypt. Rotation re-wraps data keys only (no field is
re-encrypted), so it runs while the store is in use; the old key id stays in the ring until no
data key is wrapped under it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from threadline.cases.errors import MasterKeyError

KEY_ENV = "THREADLINE_CASES_KEYS"
KEY_FILE_ENV = "THREADLINE_CASES_KEY_FILE"
_NONCE_BYTES = 12
_KEY_BYTES = 32


@dataclass(frozen=True)
class Keyring:
    """Master keys by id, the id new data keys are wrapped under, and the pseudonym key.

    ``pseudonym_key`` is the organisation key for pseudonymous references to identifiers.
    """

    active: str
    keys: Mapping[str, bytes]
    pseudonym_key: bytes

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise MasterKeyError(f"active key id {self.active!r} is not in the keyring")
        for key_id, key in self.keys.items():
            if len(key) != _KEY_BYTES:
                raise MasterKeyError(f"master key {key_id!r} is not {_KEY_BYTES} bytes")
        if len(self.pseudonym_key) < 16:
            raise MasterKeyError("pseudonym key is shorter than 16 bytes")

    def key(self, key_id: str) -> bytes:
        """The master key ``key_id``; fails closed when it is not in the ring."""
        try:
            return self.keys[key_id]
        except KeyError:
            raise MasterKeyError(f"master key {key_id!r} is not available") from None

    def with_new_active(self, key_id: str | None = None) -> Keyring:
        """A ring with a fresh random key made active; the old keys stay for unwrapping."""
        new_id = key_id or f"k{secrets.token_hex(4)}"
        if new_id in self.keys:
            raise MasterKeyError(f"key id {new_id!r} already exists")
        keys = dict(self.keys)
        keys[new_id] = secrets.token_bytes(_KEY_BYTES)
        return Keyring(new_id, MappingProxyType(keys), self.pseudonym_key)

    def without(self, key_id: str) -> Keyring:
        """A ring without ``key_id`` (after rotation has re-wrapped everything under it)."""
        if key_id == self.active:
            raise MasterKeyError("the active key cannot be removed")
        keys = {k: v for k, v in self.keys.items() if k != key_id}
        return Keyring(self.active, MappingProxyType(keys), self.pseudonym_key)


def new_keyring(key_id: str = "k1") -> Keyring:
    """A fresh keyring with one random master key and a random pseudonym key."""
    return Keyring(
        key_id,
        MappingProxyType({key_id: secrets.token_bytes(_KEY_BYTES)}),
        secrets.token_bytes(_KEY_BYTES),
    )


def dump_keyring(ring: Keyring) -> bytes:
    """The keyring as JSON bytes (base64 keys), for a key file with mode 0600."""
    return orjson.dumps(
        {
            "active": ring.active,
            "keys": {k: base64.b64encode(v).decode() for k, v in ring.keys.items()},
            "pseudonym_key": base64.b64encode(ring.pseudonym_key).decode(),
        },
        option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS,
    )


def parse_keyring(data: bytes | str) -> Keyring:
    """Parse the JSON keyring format written by ``dump_keyring``."""
    try:
        raw = orjson.loads(data)
        keys = {str(k): base64.b64decode(v, validate=True) for k, v in raw["keys"].items()}
        return Keyring(
            str(raw["active"]),
            MappingProxyType(keys),
            base64.b64decode(raw["pseudonym_key"], validate=True),
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise MasterKeyError(f"the keyring cannot be read ({type(exc).__name__})") from None


def write_key_file(path: Path, ring: Keyring) -> None:
    """Write a key file readable by its owner only (created with mode 0600, never overwritten)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(dump_keyring(ring))


def replace_key_file(path: Path, ring: Keyring) -> None:
    """Atomically replace a key file (rotation), keeping mode 0600."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(dump_keyring(ring))
    os.replace(tmp, path)


def load_keyring(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Keyring:
    """Keyring from ``path``, else from $THREADLINE_CASES_KEY_FILE, else $THREADLINE_CASES_KEYS."""
    env = os.environ if environ is None else environ
    if path is None and env.get(KEY_FILE_ENV):
        path = Path(env[KEY_FILE_ENV])
    if path is not None:
        try:
            return parse_keyring(path.read_bytes())
        except OSError as exc:
            raise MasterKeyError(f"key file cannot be read: {exc.strerror}") from None
    if env.get(KEY_ENV):
        return parse_keyring(env[KEY_ENV])
    raise MasterKeyError(f"no master key: give --key-file, ${KEY_FILE_ENV} or ${KEY_ENV}")


def new_data_key() -> bytes:
    """A random 256-bit data key for one record."""
    return AESGCM.generate_key(bit_length=256)


def _wrap_aad(record_id: str, key_id: str) -> bytes:
    return f"threadline-dk:{record_id}:{key_id}".encode()


def wrap(ring: Keyring, record_id: str, data_key: bytes) -> tuple[str, bytes]:
    """Wrap a data key under the active master key: (key id, nonce || ciphertext)."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = AESGCM(ring.key(ring.active)).encrypt(
        nonce, data_key, _wrap_aad(record_id, ring.active)
    )
    return ring.active, nonce + sealed


def unwrap(ring: Keyring, record_id: str, key_id: str, wrapped: bytes) -> bytes:
    """Unwrap a data key; a wrong key or a data key moved to another record fails closed."""
    try:
        return AESGCM(ring.key(key_id)).decrypt(
            wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:], _wrap_aad(record_id, key_id)
        )
    except InvalidTag:
        raise MasterKeyError(f"master key {key_id!r} does not open this data key") from None


def field_aad(table: str, row_id: str, field: str) -> bytes:
    """Associated data binding a ciphertext to its table, row and field."""
    return f"threadline-field:{table}:{row_id}:{field}".encode()


def encrypt_field(data_key: bytes, aad: bytes, plaintext: str) -> bytes:
    """AES-GCM encrypt one field value: nonce || ciphertext+tag."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return nonce + AESGCM(data_key).encrypt(nonce, plaintext.encode("utf-8"), aad)


def decrypt_field(data_key: bytes, aad: bytes, sealed: bytes) -> str:
    """Decrypt one field value; tampering or a wrong binding fails closed."""
    try:
        return AESGCM(data_key).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], aad).decode()
    except InvalidTag:
        raise MasterKeyError("a field does not decrypt: tampered or moved ciphertext") from None


def pseudonym(key: bytes, kind: str, canonical: str) -> str:
    """Pseudonymous reference to an identifier: HMAC-SHA256 of ``kind:canonical`` (hex).

    The analysis workspace computes the same value with the same organisation key, so a case
    and a network can be joined without the raw identifier stored in the case database.
    """
    message = f"{kind}:{canonical}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
