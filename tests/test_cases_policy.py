"""The access policy: explicit allow list per role, default deny, organisation boundary."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threadline.cases.policy import Action, Principal, Role, Scope, decide

ORG = "org-a"


def _p(*roles: str, user: str = "u1", org: str = ORG) -> Principal:
    return Principal(user, frozenset(roles), org)


OWN = Scope("u1", ORG)
SOMEONE_ELSES = Scope("u2", ORG)


@pytest.mark.parametrize(
    ("roles", "action", "scope", "allowed"),
    [
        (("caseworker",), Action.CASE_READ, OWN, True),
        (("caseworker",), Action.CASE_READ, SOMEONE_ELSES, False),
        (("caseworker",), Action.SHARE, OWN, True),
        (("caseworker",), Action.CASE_ERASE, OWN, False),
        (("caseworker",), Action.CASE_REASSIGN, OWN, False),
        (("caseworker",), Action.CASE_READ_PSEUDONYMOUS, OWN, False),
        (("caseworker",), Action.CASE_CREATE, None, True),
        (("caseworker",), Action.AGGREGATES_READ, None, False),
        (("supervisor",), Action.CASE_READ, SOMEONE_ELSES, True),
        (("supervisor",), Action.CASE_ERASE, SOMEONE_ELSES, True),
        (("supervisor",), Action.KEYS_ROTATE, None, False),
        (("analyst",), Action.CASE_READ_PSEUDONYMOUS, SOMEONE_ELSES, True),
        (("analyst",), Action.CASE_READ, OWN, False),
        (("analyst",), Action.LINK_WRITE, OWN, False),
        (("researcher",), Action.AGGREGATES_READ, None, True),
        (("researcher",), Action.CASE_READ_PSEUDONYMOUS, OWN, False),
        (("admin",), Action.KEYS_ROTATE, None, True),
        (("admin",), Action.AUDIT_VERIFY, None, True),
        (("admin",), Action.CASE_READ, OWN, False),
        (("admin",), Action.CASE_ERASE, OWN, True),
        (("analyst", "caseworker"), Action.CASE_READ, OWN, True),
        ((), Action.DIRECTORY_READ, None, False),
        (("superuser",), Action.DIRECTORY_READ, None, False),
    ],
)
def test_decisions(
    roles: tuple[str, ...], action: Action, scope: Scope | None, allowed: bool
) -> None:
    decision = decide(_p(*roles), action, scope)
    assert decision.allowed is allowed
    assert decision.reason


@given(
    roles=st.frozensets(st.sampled_from([r.value for r in Role] + ["x"])),
    action=st.sampled_from(list(Action)),
    owner=st.sampled_from(["u1", "u2"]),
)
def test_another_organisation_is_always_refused(
    roles: frozenset[str], action: Action, owner: str
) -> None:
    assert not decide(Principal("u1", roles, ORG), action, Scope(owner, "org-b")).allowed


@given(action=st.sampled_from(list(Action)), owner=st.sampled_from(["u1", "u2"]))
def test_researchers_get_aggregates_and_nothing_else(action: Action, owner: str) -> None:
    researcher = _p("researcher")
    assert decide(researcher, action, Scope(owner, ORG)).allowed is False
    assert decide(researcher, action).allowed is (action is Action.AGGREGATES_READ)


@given(action=st.sampled_from(list(Action)), owner=st.sampled_from(["u1", "u2"]))
def test_analysts_never_see_personal_fields(action: Action, owner: str) -> None:
    analyst = _p("analyst")
    if decide(analyst, action, Scope(owner, ORG)).allowed:
        assert action is Action.CASE_READ_PSEUDONYMOUS
