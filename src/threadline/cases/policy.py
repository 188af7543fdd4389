"""Who may do what: every access decision of the case records is made here, default deny.

A principal comes from the caller (the web app's accounts, or the CLI operator); this module
never authenticates anybody, it only decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Roles of case-record users."""

    CASEWORKER = "caseworker"
    SUPERVISOR = "supervisor"
    ANALYST = "analyst"
    RESEARCHER = "researcher"
    ADMIN = "admin"


class Action(StrEnum):
    """Explicit actions on resources."""

    CASE_CREATE = "case.create"
    CASE_READ = "case.read"  # personal fields in clear
    CASE_READ_PSEUDONYMOUS = "case.read_pseudonymous"  # no personal field, pseudonyms only
    CASE_WRITE = "case.write"
    CASE_REASSIGN = "case.reassign"
    CASE_ERASE = "case.erase"
    CONSENT_WRITE = "consent.write"
    REFERRAL_WRITE = "referral.write"
    SHARE = "case.share"
    LINK_WRITE = "link.write"
    DIRECTORY_READ = "directory.read"
    DIRECTORY_WRITE = "directory.write"
    AGGREGATES_READ = "aggregates.read"
    AUDIT_VERIFY = "audit.verify"
    KEYS_ROTATE = "keys.rotate"
    RETENTION_APPLY = "retention.apply"  # shred the organisation's long-closed cases


@dataclass(frozen=True)
class Principal:
    """The user an action is done for: id, roles, and the organisation they act within."""

    user_id: str
    roles: frozenset[str]
    organisation: str


@dataclass(frozen=True)
class Scope:
    """The case an action touches: its owner and organisation (None for non-case actions)."""

    owner_id: str
    organisation: str


@dataclass(frozen=True)
class Decision:
    """Allowed or not, and a reason that names no personal data (it goes into the audit log)."""

    allowed: bool
    reason: str


_OWN_CASE = frozenset(
    {
        Action.CASE_READ,
        Action.CASE_WRITE,
        Action.CONSENT_WRITE,
        Action.REFERRAL_WRITE,
        Action.SHARE,
        Action.LINK_WRITE,
    }
)

# Actions on a case, by role, allowed within the principal's organisation.
_ORG_CASE: dict[Role, frozenset[Action]] = {
    Role.SUPERVISOR: _OWN_CASE
    | {Action.CASE_REASSIGN, Action.CASE_ERASE, Action.CASE_READ_PSEUDONYMOUS},
    Role.ANALYST: frozenset({Action.CASE_READ_PSEUDONYMOUS}),
    Role.ADMIN: frozenset({Action.CASE_ERASE}),
}

# Actions that touch no single case.
_GLOBAL: dict[Role, frozenset[Action]] = {
    Role.CASEWORKER: frozenset({Action.CASE_CREATE, Action.DIRECTORY_READ}),
    Role.SUPERVISOR: frozenset(
        {Action.CASE_CREATE, Action.DIRECTORY_READ, Action.DIRECTORY_WRITE, Action.AGGREGATES_READ}
    ),
    Role.ANALYST: frozenset({Action.DIRECTORY_READ, Action.AGGREGATES_READ}),
    Role.RESEARCHER: frozenset({Action.AGGREGATES_READ}),
    Role.ADMIN: frozenset(
        {
            Action.DIRECTORY_READ,
            Action.DIRECTORY_WRITE,
            Action.AUDIT_VERIFY,
            Action.KEYS_ROTATE,
            Action.RETENTION_APPLY,
        }
    ),
}


def _roles(principal: Principal) -> list[Role]:
    """Known roles only: an unknown role string grants nothing."""
    return [Role(r) for r in sorted(principal.roles) if r in Role._value2member_map_]


def decide(principal: Principal, action: Action, scope: Scope | None = None) -> Decision:
    """Decide one action; anything not explicitly allowed is denied."""
    roles = _roles(principal)
    if not roles:
        return Decision(False, "no known role")
    if scope is None:
        for role in roles:
            if action in _GLOBAL.get(role, frozenset()):
                return Decision(True, f"{role.value} may {action.value}")
        return Decision(False, f"no role may {action.value} here")
    if scope.organisation != principal.organisation:
        return Decision(False, "case belongs to another organisation")
    for role in roles:
        if action in _ORG_CASE.get(role, frozenset()):
            return Decision(True, f"{role.value} may {action.value} in the organisation")
        if role is Role.CASEWORKER and action in _OWN_CASE and scope.owner_id == principal.user_id:
            return Decision(True, "caseworker's own caseload")
    return Decision(False, f"not allowed to {action.value} on this case")
