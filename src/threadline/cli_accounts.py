"""``threadline users`` and ``threadline tokens``: accounts of the web app and API clients.

The accounts database is ``--db`` (a file path or SQLAlchemy URL), by default the
``THREADLINE_APP_DB`` environment variable or ``threadline-app.sqlite`` in the current folder.
Passwords and tokens are printed once and never stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.table import Column, Table

from threadline.cli_console import console
from threadline.errors import ThreadlineError

if TYPE_CHECKING:
    from threadline.accounts import AccountStore

users_app = typer.Typer(help="Users of the web app (roles: admin, analyst, viewer).")
tokens_app = typer.Typer(help="API tokens for clients of /v1 (shown once, stored as a hash).")
_out = console()
_err = console(stderr=True)

DEFAULT_DB = "threadline-app.sqlite"
DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="THREADLINE_APP_DB",
        help="Accounts database: a file path or a SQLAlchemy URL.",
    ),
]


def _fail(message: str) -> NoReturn:
    _err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


def _store(db: str) -> AccountStore:
    try:
        from threadline.accounts import AccountStore
    except ImportError as exc:
        _fail(f"accounts need the 'api' extra ({exc.name} is missing)")
    return AccountStore(db)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    role: Annotated[str, typer.Option("--role", help="admin, analyst or viewer.")],
    db: DbOption = DEFAULT_DB,
    case_role: Annotated[
        str | None,
        typer.Option(
            "--case-role",
            help="Access to the case records (/v1/cases): caseworker, supervisor, analyst, "
            "researcher or admin; needs --org.",
        ),
    ] = None,
    org: Annotated[
        str | None, typer.Option("--org", help="Organisation the user acts within (cases).")
    ] = None,
) -> None:
    """Create a user and print a one-time password to hand over."""
    store = _store(db)
    try:
        password = store.add_user(name, role, case_role=case_role, organisation=org)
    except ThreadlineError as exc:
        _fail(str(exc))
    finally:
        store.close()
    _out.print(f"user {name} ({role}) created; one-time password (shown once): {password}")


@users_app.command("list")
def users_list(db: DbOption = DEFAULT_DB) -> None:
    """List users and their roles."""
    store = _store(db)
    table = Table("user", "role", "case role", "organisation", "disabled", "created")
    for user in store.users():
        table.add_row(
            user.name,
            user.role,
            user.case_role or "",
            user.organisation or "",
            "yes" if user.disabled else "",
            str(user.created_at),
        )
    store.close()
    _out.print(table)


@users_app.command("set-case-role")
def users_set_case_role(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    db: DbOption = DEFAULT_DB,
    case_role: Annotated[
        str | None,
        typer.Option(
            "--case-role",
            help="The new case role: caseworker, supervisor, analyst, researcher or admin; "
            "needs --org.",
        ),
    ] = None,
    org: Annotated[
        str | None, typer.Option("--org", help="Organisation the user acts within (cases).")
    ] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Take the user's access to the case records away.")
    ] = False,
) -> None:
    """Change a user's case role (or --clear it); effective on the user's next request."""
    if clear and (case_role is not None or org is not None):
        _fail("--clear takes no --case-role or --org")
    if not clear and case_role is None:
        _fail("give --case-role and --org, or --clear")
    store = _store(db)
    try:
        store.set_case_role(name, case_role, org)
    except ThreadlineError as exc:
        _fail(str(exc))
    finally:
        store.close()
    what = "case role cleared" if clear else f"case role {case_role} in {org}"
    _out.print(f"user {name}: {what}")


@users_app.command("disable")
def users_disable(name: str, db: DbOption = DEFAULT_DB) -> None:
    """Disable a user and end their sessions."""
    store = _store(db)
    try:
        store.disable_user(name)
    except ThreadlineError as exc:
        _fail(str(exc))
    finally:
        store.close()
    _out.print(f"user {name} disabled")


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Option("--name", help="Who uses it (a platform, a script).")],
    role: Annotated[str, typer.Option("--role", help="admin, analyst or viewer.")],
    db: DbOption = DEFAULT_DB,
    case_role: Annotated[
        str | None,
        typer.Option(
            "--case-role",
            help="Access to the case records (/v1/cases): caseworker, supervisor, analyst, "
            "researcher or admin; needs --org.",
        ),
    ] = None,
    org: Annotated[
        str | None, typer.Option("--org", help="Organisation the client acts within (cases).")
    ] = None,
) -> None:
    """Create an API token and print it once (send it as `Authorization: Bearer ...`)."""
    store = _store(db)
    try:
        token_id, secret = store.create_token(name, role, case_role=case_role, organisation=org)
    except ThreadlineError as exc:
        _fail(str(exc))
    finally:
        store.close()
    _out.print(f"token {token_id} for {name} ({role}); the token (shown once): {secret}")


@tokens_app.command("list")
def tokens_list(db: DbOption = DEFAULT_DB) -> None:
    """List API tokens (never their secrets)."""
    store = _store(db)
    table = Table(
        Column("id", no_wrap=True, min_width=8),  # whole even in a narrow terminal: revoke takes it
        "name",
        "role",
        "case role",
        "organisation",
        "created",
        "revoked",
    )
    for token in store.tokens():
        table.add_row(
            token.token_id,
            token.name,
            token.role,
            token.case_role or "",
            token.organisation or "",
            str(token.created_at),
            str(token.revoked_at or ""),
        )
    store.close()
    _out.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: str, db: DbOption = DEFAULT_DB) -> None:
    """Revoke an API token: it stops working at once."""
    store = _store(db)
    try:
        store.revoke_token(token_id)
    except ThreadlineError as exc:
        _fail(str(exc))
    finally:
        store.close()
    _out.print(f"token {token_id} revoked")


__all__ = ["DEFAULT_DB", "tokens_app", "users_app"]
