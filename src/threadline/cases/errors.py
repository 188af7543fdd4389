"""Errors of the case-records library: each says what was refused and why, never personal data."""

from __future__ import annotations

from threadline.errors import ThreadlineError


class CaseError(ThreadlineError):
    """Base class of case-record errors."""


class AccessDenied(CaseError):
    """The policy refused an action; the refusal has been audited."""


class ConsentRequired(CaseError):
    """No valid consent (missing, expired or revoked) covers a share or referral."""


class MasterKeyError(CaseError):
    """A master key is missing or wrong: decryption fails closed."""


class RecordErased(CaseError):
    """The record's data key was destroyed (crypto-shredded): its personal fields are gone."""


class VocabularyError(CaseError):
    """A value is not in the HTCDS picklist of its field."""


class NotFound(CaseError):
    """No record with that id."""


class InvalidState(CaseError):
    """The change is not allowed from the record's current state."""
