"""Sign-in for the pages and bearer tokens for the API, in one middleware.

Every path but ``/v1/health``, ``/login`` and ``/static`` needs a principal: a browser session
(cookie ``tl_session``: HttpOnly, SameSite=Strict, Secure over HTTPS) or an API token
(``Authorization: Bearer ...``). Without one, a page redirects to the sign-in form and the API
answers 401. What a principal may do is :func:`threadline.accounts.allowed`'s answer, asked by
:func:`need` in each route. API clients are rate-limited per token or user (429 with
Retry-After). Forms carry the session's CSRF token; the sign-in form a double-submit token.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from threadline.accounts import AccountStore, Principal, RateLimiter, allowed

__all__ = ["SESSION_COOKIE", "AuthMiddleware", "need", "router"]

SESSION_COOKIE = "tl_session"
_LOGIN_CSRF = "tl_login_csrf"
_OPEN_PREFIXES = ("/v1/health", "/login", "/static/", "/favicon.ico")

router = APIRouter(include_in_schema=False)


def _accounts(request: Request) -> AccountStore | None:
    store: AccountStore | None = getattr(request.app.state, "accounts", None)
    return store


def principal_of(request: Request) -> Principal | None:
    """Who the request is from (None in open mode or when nobody signed in)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    return principal


def need(request: Request, action: str) -> Principal | None:
    """Refuse (403) unless the request's principal may perform ``action``; in open mode (an
    app built without accounts, e.g. embedded behind another gateway) everything passes."""
    if _accounts(request) is None:
        return None
    principal = principal_of(request)
    if principal is None or not allowed(principal.role, action):
        raise HTTPException(403, f"your role may not {action}")
    return principal


def audit(request: Request, action: str, resource: str, detail: str = "") -> None:
    """Record an access in the audit log (no-op in open mode)."""
    store = _accounts(request)
    principal = principal_of(request)
    if store is not None and principal is not None:
        store.record(f"{principal.kind}:{principal.name}", action, resource, detail)


class AuthMiddleware:
    """The middleware (see the module docstring), as plain ASGI: it runs on every request, so
    it adds no task or stream of its own."""

    def __init__(self, app: ASGIApp, store: AccountStore, limiter: RateLimiter) -> None:
        self.app = app
        self.store = store
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_OPEN_PREFIXES):
            await self.app(scope, receive, send)
            return
        refusal = self._check(Request(scope), scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _check(self, request: Request, scope: Scope) -> Response | None:
        store = self.store
        path = scope["path"]
        api = path.startswith("/v1/")
        principal: Principal | None = None
        state = scope.setdefault("state", {})
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            principal = store.token_principal(header[7:].strip())
            if principal is None:
                return JSONResponse(
                    {"detail": "unknown or revoked API token"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
        else:
            cookie = request.cookies.get(SESSION_COOKIE)
            session = store.session(cookie) if cookie else None
            if session is not None:
                principal = session.principal
                state["csrf"] = session.csrf
        if principal is None:
            if api:
                return JSONResponse(
                    {"detail": "sign in or send an API token (Authorization: Bearer ...)"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
            return RedirectResponse(f"/login?next={quote(path)}", status_code=303)
        state["principal"] = principal
        if api:
            wait = self.limiter.take(f"{principal.kind}:{principal.key}")
            if wait > 0:
                seconds = max(1, round(wait + 0.5))
                return JSONResponse(
                    {"detail": f"rate limit reached; retry in {seconds} s"},
                    status_code=429,
                    headers={"Retry-After": str(seconds)},
                )
        return None


def check_csrf(request: Request, presented: str | None) -> None:
    """Refuse a form whose CSRF token is not the session's (no-op in open mode)."""
    if _accounts(request) is None:
        return
    expected = getattr(request.state, "csrf", None)
    if expected is None or presented is None or not secrets.compare_digest(expected, presented):
        raise HTTPException(403, "the form is stale or forged (CSRF check failed): reload it")


def _safe_next(target: str) -> str:
    """Only a path of this site (no scheme, no host): an open redirect is refused."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    from threadline.web.templating import render

    # Reuse the browser's sign-in token: a second load (another tab, a favicon request sent to
    # the sign-in page) must not invalidate the form already shown.
    existing = request.cookies.get(_LOGIN_CSRF, "")
    token = existing if 40 <= len(existing) <= 64 else secrets.token_urlsafe(32)
    response = render(
        request, "login.html", {"next": _safe_next(next), "csrf": token, "error": None}
    )
    response.set_cookie(
        _LOGIN_CSRF, token, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf: Annotated[str, Form(max_length=128)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    from threadline.web.templating import render

    store = _accounts(request)
    if store is None:
        return RedirectResponse("/", status_code=303)
    cookie = request.cookies.get(_LOGIN_CSRF)
    if cookie is None or not secrets.compare_digest(cookie, csrf):
        raise HTTPException(403, "the sign-in form is stale or forged (CSRF check failed)")
    principal = store.authenticate(name, password)
    if principal is None:
        store.record(f"user:{name[:64]}", "login.failed", "session")
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "csrf": csrf, "error": "wrong name or password"},
            401,
        )
    session = store.start_session(principal)
    store.record(f"user:{principal.name}", "login", "session")
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.cookie,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    response.delete_cookie(_LOGIN_CSRF)
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=128)]) -> Response:
    store = _accounts(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if store is not None and cookie:
        session = store.session(cookie)
        if session is None or not store.csrf_ok(session, csrf):
            raise HTTPException(403, "the form is stale or forged (CSRF check failed)")
        store.end_session(cookie)
        store.record(f"user:{session.principal.name}", "logout", "session")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
