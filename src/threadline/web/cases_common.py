"""What the case pages share: who is asking, the store, remembered purposes and refusals.

The pages call only :class:`~threadline.cases.store.CaseStore`: the policy decides, the store
audits. This module turns the store's errors into a calm page (:class:`CasePageError`), keeps
the purpose a user gave for a case for the rest of the session (:class:`PurposeMemory`), and
keeps rejected form values out of error answers (:class:`PageRoute`).
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

from fastapi import Form, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from threadline.api.cases import case_principal
from threadline.cases import vocab
from threadline.cases.errors import (
    AccessDenied,
    CaseError,
    ConsentRequired,
    InvalidState,
    MasterKeyError,
    NotFound,
    RecordErased,
)
from threadline.cases.policy import Action, Principal, decide
from threadline.cases.store import CaseStore
from threadline.web.auth import SESSION_COOKIE, principal_of
from threadline.web.templating import render

#: A two-letter country code (ISO 3166-1 alpha-2) as the forms take it, upper case.
COUNTRY = re.compile(r"[A-Z]{2}")
_COUNTRY_SPLIT = re.compile(r"[,\s]+")
#: Form fields of the case pages: a short text, and a multi-select of picklist codes.
ShortField = Annotated[str, Form(max_length=200)]
CodesField = Annotated[list[str] | None, Form()]


def country_codes(value: str) -> tuple[str, ...]:
    """Country codes typed in one field (commas or spaces between), upper case, each once."""
    return tuple(dict.fromkeys(c.upper() for c in _COUNTRY_SPLIT.split(value.strip()) if c))


def one(value: str) -> str | None:
    """A text field's value, or None when it was left empty."""
    return value.strip() or None


def picked(codes: list[str] | None) -> tuple[str, ...]:
    """A multi-select's codes, trimmed, each once, in the order given."""
    return tuple(dict.fromkeys(code.strip() for code in codes or () if code.strip()))


#: Context form field -> HTCDS picklist, for /cases/new and the correction form.
CONTEXT_PICKLISTS = {
    "trafficking_status": "vic_TraffickingStatus",
    "relationship_to_trafficker": "vic_RelationshipToTrafficker",
    "exploitation_types": "vic_TypeOfExploitation",
    "control_methods": "vic_MethodsOfControl",
    "recruitment_methods": "vic_MethodOfRecruitment",
    "recruitment_apps": "vic_RecruitmentWebsitesAndApps",
    "exploitation_apps": "vic_ExploitationWebsitesAndApps",
}

__all__ = [
    "CASE_ID",
    "CONTEXT_PICKLISTS",
    "COUNTRY",
    "MAX_WHY",
    "CasePageError",
    "CodesField",
    "PageRoute",
    "PurposeMemory",
    "ShortField",
    "ask_purpose",
    "case_role_of",
    "country_codes",
    "human",
    "one",
    "options",
    "page_principal",
    "parse_date",
    "picked",
    "policy_gate",
    "private_page",
    "purposes",
    "refusals",
    "session_key",
    "store_of",
]

MAX_WHY = 500
#: A case reference (the store's ids are 32 hex digits).
CASE_ID = re.compile(r"[0-9a-f]{32}")


class CasePageError(Exception):
    """A refusal or problem shown as a calm page: a plain title, what to do, the store's reason."""

    def __init__(self, status: int, title: str, reason: str = "", advice: str = "") -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.reason = reason
        self.advice = advice


class PageRoute(APIRoute):
    """A page route whose bad-input answer names the fields, never the values sent: a value
    may be a survivor's name or birth date."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                names = sorted({str(error["loc"][-1]) for error in exc.errors() if error["loc"]})
                raise CasePageError(
                    422,
                    "Some of the form could not be used",
                    "check these fields: " + ", ".join(names),
                    "Go back, correct them and send the form again.",
                ) from None

        return route


class PurposeMemory:
    """The purpose a user gave for a case (or the caseload), kept for the rest of the session
    so the next reads of the same case do not ask again. Bounded and time-limited; lost on
    restart, which only means the user is asked once more."""

    def __init__(self, limit: int = 4096, seconds: float = 8 * 3600) -> None:
        self._limit = limit
        self._seconds = seconds
        self._entries: OrderedDict[tuple[str, str], tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, session: str, scope: str, why: str) -> None:
        with self._lock:
            self._entries[(session, scope)] = (time.monotonic() + self._seconds, why)
            self._entries.move_to_end((session, scope))
            while len(self._entries) > self._limit:
                self._entries.popitem(last=False)

    def recall(self, session: str, scope: str) -> str | None:
        with self._lock:
            entry = self._entries.get((session, scope))
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[(session, scope)]
                return None
            return entry[1]


def store_of(request: Request) -> CaseStore:
    store: CaseStore = request.app.state.cases
    return store


def purposes(request: Request) -> PurposeMemory:
    memory: PurposeMemory = request.app.state.case_purposes
    return memory


def session_key(request: Request, principal: Principal) -> str:
    """Who a remembered purpose belongs to: this browser session of this user (a digest, so
    the session cookie itself is not kept in memory twice)."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    digest = hashlib.sha256(cookie.encode()).hexdigest()[:32]
    return f"{principal.user_id}|{digest}"


def page_principal(request: Request) -> Principal:
    """The cases principal of the signed-in user, or the calm 'no case role' page."""
    try:
        return case_principal(request)
    except HTTPException as exc:
        raise CasePageError(
            403,
            "Case records are not open to your account",
            str(exc.detail),
            "If your work needs them, ask an administrator to give your account a case role.",
        ) from None


def case_role_of(request: Request) -> str | None:
    """The signed-in user's case role (for the "Cases" link), or None."""
    accounts = getattr(request.app.state, "accounts", None)
    web = principal_of(request)
    if accounts is None or web is None or getattr(request.app.state, "cases", None) is None:
        return None
    identity = (
        accounts.token_case_identity(web.key)
        if web.kind == "token"
        else accounts.case_identity(web.name)
    )
    return None if identity is None else str(identity[0])


@contextmanager
def refusals() -> Iterator[None]:
    """The store's errors as calm pages (the store has already audited its refusals)."""
    try:
        yield
    except NotFound as exc:
        raise CasePageError(
            404, "We could not find that record", str(exc), "Check the link or your caseload."
        ) from None
    except ConsentRequired as exc:
        raise CasePageError(
            403,
            "Her consent does not cover this",
            str(exc),
            "Record her consent for this purpose and organisation first, if she gives it.",
        ) from None
    except AccessDenied as exc:
        raise CasePageError(
            403,
            "This is not open to you",
            str(exc),
            "The refusal has been recorded. If your work needs it, ask your supervisor.",
        ) from None
    except InvalidState as exc:
        raise CasePageError(409, "This cannot be changed now", str(exc)) from None
    except RecordErased as exc:
        raise CasePageError(
            410, "This case was erased", str(exc), "Its personal details are gone for good."
        ) from None
    except MasterKeyError:
        raise CasePageError(
            503, "The case records are locked", "the master key is unavailable"
        ) from None
    except CaseError as exc:
        raise CasePageError(422, "Some of the form could not be used", str(exc)) from None


_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|_")


def human(code: str | None) -> str:
    """A picklist code in plain words: ``DebtBondage`` -> ``Debt bondage``."""
    if not code:
        return ""
    words = _WORD.sub(" ", code).split()
    text = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return text[:1].upper() + text[1:]


def options(field: str) -> list[tuple[str, str]]:
    """(code, plain words) of an HTCDS picklist, from the vocabulary the store checks against."""
    return sorted(((code, human(code)) for code in vocab.picklists()[field]), key=lambda o: o[1])


def private_page(
    request: Request, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    """A case page, marked for no caching: personal data must not stay in a browser's or a
    proxy's cache after the session."""
    response = render(request, name, context, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def ask_purpose(request: Request, scope: str, question: str) -> Response:
    """The small "Why are you opening this?" form; its answer is kept for the session."""
    return private_page(request, "cases/purpose.html", {"scope": scope, "question": question})


def policy_gate(principal: Principal, action: Action) -> None:
    """Refuse an empty form the policy would refuse anyway (no record is read, so nothing is
    audited; sending the form still goes to the store, which refuses and audits)."""
    decision = decide(principal, action)
    if not decision.allowed:
        raise CasePageError(
            403,
            "This is not open to you",
            decision.reason,
            "If your work needs it, ask your supervisor or an administrator.",
        )


def parse_date(value: str, label: str) -> date | None:
    """A form's YYYY-MM-DD date (empty: None); the error names the field, not the value."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise CasePageError(
            422, "Some of the form could not be used", f"{label}: not a date (YYYY-MM-DD)"
        ) from None
