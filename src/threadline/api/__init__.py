"""The HTTP API: a FastAPI app factory and one router module per resource.

``create_app(settings)`` builds the app with its screener loaded once (the indicator library and
its automaton are immutable and shared by all requests). Serve it with ``threadline serve``
(binds 127.0.0.1 by default) or any ASGI server. The OpenAPI document is at ``/openapi.json``,
interactive docs at ``/docs``. No login yet on ``/v1/screen``: bind to loopback or put the app
behind an authenticating proxy until the web-app issue adds authentication.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from threadline import __version__, web
from threadline.accounts import AccountStore, RateLimiter
from threadline.api import health, screen
from threadline.indicators.scoring import ScreenSettings
from threadline.screening import Screener
from threadline.settings import Settings
from threadline.web import auth

if TYPE_CHECKING:
    from threadline.cases import CaseStore

__all__ = ["app_from_env", "create_app"]


def _screen_settings(settings: Settings | ScreenSettings | None) -> ScreenSettings:
    if isinstance(settings, ScreenSettings):
        return settings
    section = getattr(settings, "screen", None)
    return section if isinstance(section, ScreenSettings) else ScreenSettings()


def create_app(
    settings: Settings | ScreenSettings | None = None,
    *,
    workspace: Path | str | None = None,
    accounts: AccountStore | Path | str | None = None,
    rate_per_minute: float = 600,
    rate_burst: int = 60,
    cases: CaseStore | Path | str | None = None,
    cases_key_file: Path | None = None,
) -> FastAPI:
    """The Threadline app (``settings``: the project settings or just their screen part).

    With a ``workspace``, the analyst pages over it are served too (:mod:`threadline.web`);
    without one, the screening API and the screening form. With ``accounts`` (an
    :class:`AccountStore` or its database), everything but ``/v1/health`` needs a signed-in
    user or an API token, and API clients are rate-limited per client (``rate_per_minute``
    on average, bursts of ``rate_burst``); ``threadline serve`` always passes one. Without,
    the app is open: only for embedding behind a gateway that authenticates.

    With ``cases`` (a :class:`~threadline.cases.CaseStore` or its database; the master keyring
    from ``cases_key_file`` or the environment), the case records are served under
    ``/v1/cases`` (:mod:`threadline.api.cases`); they need ``accounts``.
    """
    screen_settings = _screen_settings(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Everything loaded so far (modules, the library, the automaton's Python side) lives as
        # long as the server: move it out of the cyclic collector's reach, so that a full
        # collection does not stall requests for tens of milliseconds (p99 latency).
        reader = getattr(app.state, "reader", None)
        if reader is not None:
            reader.warm_up()
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            reader = getattr(app.state, "reader", None)
            if reader is not None:
                reader.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Threadline",
        version=__version__,
        summary="Explainable screening of online ads and job posts for trafficking indicators.",
        description=(
            "Every score is a lead for a person to review, never a verdict: each flag names "
            "the indicator, the exact text that raised it and its public source."
        ),
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.screener = Screener(settings=screen_settings)
    if accounts is not None:
        store = accounts if isinstance(accounts, AccountStore) else AccountStore(accounts)
        app.state.accounts = store
        app.add_middleware(
            auth.AuthMiddleware, store=store, limiter=RateLimiter(rate_per_minute, rate_burst)
        )
        app.include_router(auth.router)
    app.include_router(health.router)
    app.include_router(screen.router)
    if cases is not None:
        _include_cases(app, cases, cases_key_file)
    web.mount(app, workspace)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in screen.schema_components().items():
            schemas.setdefault(name, schema)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _include_cases(app: FastAPI, cases: CaseStore | Path | str, key_file: Path | None) -> None:
    from threadline.api import cases as cases_api
    from threadline.cases import CaseStore
    from threadline.cases.crypto import load_keyring
    from threadline.errors import SettingsError

    if getattr(app.state, "accounts", None) is None:
        raise SettingsError("the case records are served only with accounts (sign-in)")
    app.state.cases = (
        cases
        if isinstance(cases, CaseStore)
        else CaseStore.open(str(cases), load_keyring(key_file))
    )
    app.include_router(cases_api.router)


def app_from_env() -> FastAPI:
    """The app as an ASGI factory configured by the environment (for ``uvicorn --factory`` and
    process managers): ``THREADLINE_APP_DB`` (accounts; required: the served app always needs
    sign-in), ``THREADLINE_WORKSPACE`` (optional pages), ``THREADLINE_RATE_PER_MINUTE`` and
    ``THREADLINE_RATE_BURST`` (per-client API limits), ``THREADLINE_CASES_DB`` (optional case
    records under /v1/cases, with the master keys of ``THREADLINE_CASES_KEY_FILE`` or
    ``THREADLINE_CASES_KEYS``)."""
    import os

    from threadline.errors import SettingsError

    accounts = os.environ.get("THREADLINE_APP_DB")
    if not accounts:
        raise SettingsError("THREADLINE_APP_DB must name the accounts database")
    return create_app(
        workspace=os.environ.get("THREADLINE_WORKSPACE") or None,
        accounts=accounts,
        rate_per_minute=float(os.environ.get("THREADLINE_RATE_PER_MINUTE", "600")),
        rate_burst=int(os.environ.get("THREADLINE_RATE_BURST", "60")),
        cases=os.environ.get("THREADLINE_CASES_DB") or None,
    )
