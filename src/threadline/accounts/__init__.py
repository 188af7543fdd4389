"""Accounts of the web app and the API: users and roles, API tokens, sessions, the audit log,
rate limits, and the one place that says which role may do what (:mod:`.policy`)."""

from __future__ import annotations

from threadline.accounts.policy import ACTIONS, ROLES, Principal, allowed
from threadline.accounts.ratelimit import RateLimiter
from threadline.accounts.store import AccountError, AccountStore, Session

__all__ = [
    "ACTIONS",
    "ROLES",
    "AccountError",
    "AccountStore",
    "Principal",
    "RateLimiter",
    "Session",
    "allowed",
]
