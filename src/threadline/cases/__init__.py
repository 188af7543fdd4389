"""Survivor-centred case records on the HTCDS vocabulary.

Encrypted at rest (``crypto``), access decided in one place (``policy``), consent-gated sharing
and referrals, and a hash-chained audit log (``audit``); ``CaseStore`` is the API.
"""

from threadline.cases.policy import Action, Principal, Role
from threadline.cases.store import CaseContext, CaseStore, PersonInput

__all__ = ["Action", "CaseContext", "CaseStore", "PersonInput", "Principal", "Role"]
