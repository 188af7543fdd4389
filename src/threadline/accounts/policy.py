"""Who may do what in the web app and the API: explicit actions per role, checked here only.

Default deny: an action or role not listed here is refused. Pages and endpoints name the
action they need (:func:`allowed`); nothing else decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["ACTIONS", "ROLES", "Principal", "allowed"]

Role = Literal["admin", "analyst", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "analyst", "viewer")

#: Every action the app knows, with what it covers.
ACTIONS: dict[str, str] = {
    "view": "read the overview, networks, clusters, posts and search",
    "screen": "screen posts (the form and POST /v1/screen)",
    "label": "label networks and clusters",
    "export": "export evidence packs and label files",
    "manage": "manage users and API tokens",
}

_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(ACTIONS),
    "analyst": frozenset({"view", "screen", "label", "export"}),
    "viewer": frozenset({"view", "screen"}),
}


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in user or an API token, with its role."""

    name: str
    role: str
    kind: Literal["user", "token"]
    #: The token's id (for rate limits and the audit log); the user's name for users.
    key: str


def allowed(role: str, action: str) -> bool:
    """Whether ``role`` may perform ``action`` (unknown roles and actions: no)."""
    return action in _PERMISSIONS.get(role, frozenset())
