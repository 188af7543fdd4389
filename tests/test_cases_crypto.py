"""Envelope encryption, keyrings and pseudonyms."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threadline.cases import crypto
from threadline.cases.errors import MasterKeyError

KEY = crypto.new_data_key()


@given(text=st.text(), row=st.text(min_size=1, max_size=20))
def test_field_round_trip_and_binding(text: str, row: str) -> None:
    aad = crypto.field_aad("case", row, "given_name")
    sealed = crypto.encrypt_field(KEY, aad, text)
    assert crypto.decrypt_field(KEY, aad, sealed) == text
    if len(text.encode()) >= 8:  # shorter strings can occur in random bytes by chance
        assert text.encode() not in sealed
    with pytest.raises(MasterKeyError):
        crypto.decrypt_field(KEY, crypto.field_aad("case", row, "family_name"), sealed)


def test_same_value_encrypts_differently_each_time() -> None:
    aad = crypto.field_aad("case", "r", "f")
    assert crypto.encrypt_field(KEY, aad, "same") != crypto.encrypt_field(KEY, aad, "same")


def test_flipped_bit_fails_closed() -> None:
    aad = crypto.field_aad("case", "r", "f")
    sealed = bytearray(crypto.encrypt_field(KEY, aad, "value"))
    sealed[-1] ^= 1
    with pytest.raises(MasterKeyError):
        crypto.decrypt_field(KEY, aad, bytes(sealed))


def test_wrap_unwrap_and_wrong_record() -> None:
    ring = crypto.new_keyring()
    key_id, wrapped = crypto.wrap(ring, "rec1", KEY)
    assert crypto.unwrap(ring, "rec1", key_id, wrapped) == KEY
    with pytest.raises(MasterKeyError):
        crypto.unwrap(ring, "rec2", key_id, wrapped)
    with pytest.raises(MasterKeyError):
        crypto.unwrap(crypto.new_keyring(), "rec1", key_id, wrapped)


def test_keyring_round_trip_file_mode_and_no_overwrite(tmp_path: Path) -> None:
    ring = crypto.new_keyring().with_new_active("k2")
    path = tmp_path / "keys.json"
    crypto.write_key_file(path, ring)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert crypto.load_keyring(path) == ring
    with pytest.raises(FileExistsError):
        crypto.write_key_file(path, crypto.new_keyring())
    crypto.replace_key_file(path, ring.without("k1"))
    assert set(crypto.load_keyring(path).keys) == {"k2"}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_keyring_from_environment(tmp_path: Path) -> None:
    ring = crypto.new_keyring()
    assert crypto.load_keyring(environ={crypto.KEY_ENV: crypto.dump_keyring(ring).decode()}) == ring
    path = tmp_path / "k.json"
    crypto.write_key_file(path, ring)
    assert crypto.load_keyring(environ={crypto.KEY_FILE_ENV: str(path)}) == ring
    with pytest.raises(MasterKeyError, match="no master key"):
        crypto.load_keyring(environ={})
    with pytest.raises(MasterKeyError, match="cannot be read"):
        crypto.load_keyring(tmp_path / "missing.json", environ={})


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b"[]",
        b'{"active": "k1", "keys": {"k1": "!!"}, "pseudonym_key": "AAAA"}',
        b'{"active": "k1", "keys": {"k1": "AAAA"}, "pseudonym_key": "AAAAAAAAAAAAAAAAAAAAAA=="}',
        b'{"active": "k2", "keys": {}, "pseudonym_key": "AAAAAAAAAAAAAAAAAAAAAA=="}',
    ],
)
def test_bad_keyrings_are_refused(data: bytes) -> None:
    with pytest.raises(MasterKeyError):
        crypto.parse_keyring(data)


def test_new_active_key_id_must_be_new() -> None:
    ring = crypto.new_keyring()
    with pytest.raises(MasterKeyError):
        ring.with_new_active("k1")


@given(kind=st.text(max_size=10), canonical=st.text(max_size=40))
def test_pseudonym_is_keyed_and_stable(kind: str, canonical: str) -> None:
    key_a, key_b = b"a" * 32, b"b" * 32
    token = crypto.pseudonym(key_a, kind, canonical)
    assert token == crypto.pseudonym(key_a, kind, canonical)
    assert token != crypto.pseudonym(key_b, kind, canonical)
    assert len(token) == 64 and (not canonical or canonical not in token or len(canonical) < 4)
