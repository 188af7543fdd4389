"""HTCDS picklists loaded from the vendored standard, and schema migrations."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import inspect

from threadline.cases import db, vocab
from threadline.cases.errors import VocabularyError


def test_picklists_come_from_the_data_file() -> None:
    lists = vocab.picklists()
    assert "DebtBondage" in lists["vic_MethodsOfControl"]
    assert lists["cas_Status"] == {"Active", "FollowUp", "Closed", "ClosedReferred"}
    assert lists["vic_RelationshipToTrafficker"] == {"Familial", "Acquainted", "Unaquainted"}
    assert "Telegram" in lists["vic_RecruitmentWebsitesAndApps"]
    assert "" not in lists["spl_Type"]
    # references to other standards are not lists of values
    assert "prs_Citizenship" not in lists and "prs_PrimaryLanguage" not in lists
    assert {"prs_FirstName", "vic_TypeOfExploitation", "con_Consent"} <= vocab.fields()


def test_data_file_carries_provenance_and_licence() -> None:
    readme = Path(vocab.__file__).with_name("data") / "README.md"
    text = readme.read_text()
    assert "CC BY 4.0" in text and "IOM" in text


def test_check_rejects_unknown_fields_and_values() -> None:
    assert vocab.check("prs_Gender", "Feminine") == "Feminine"
    with pytest.raises(VocabularyError):
        vocab.check("prs_Gender", "feminine")
    with pytest.raises(VocabularyError):
        vocab.check("prs_FirstName", "Ana")
    assert vocab.check_all("vic_TypeOfExploitation", ["Servitude", "Servitude"]) == ["Servitude"]
    with pytest.raises(VocabularyError):
        vocab.check_service_type("spa")


@given(field=st.text(max_size=30), value=st.text(max_size=30))
def test_check_never_fails_another_way(field: str, value: str) -> None:
    try:
        checked = vocab.check(field, value)
    except VocabularyError:
        return
    assert checked == value and value in vocab.picklists()[field]


@given(code=st.text(max_size=4))
def test_country_codes(code: str) -> None:
    try:
        vocab.check_country(code)
    except VocabularyError:
        return
    assert len(code) == 2 and code.isupper() and code.isascii()


def test_migrations_reach_head_and_are_idempotent(tmp_path: Path) -> None:
    engine = db.make_engine(str(tmp_path / "c.sqlite"))
    assert db.current_revision(engine) is None
    db.upgrade(engine)
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision() == "0003"
    tables = set(inspect(engine).get_table_names())
    assert {"cr_cases", "cr_audit", "cr_data_keys", "cr_consents", "cr_referrals"} <= tables
    engine.dispose()


def test_database_urls() -> None:
    assert db.database_url("x.sqlite") == "sqlite:///x.sqlite"
    assert db.database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert db.database_url("sqlite:///y") == "sqlite:///y"
