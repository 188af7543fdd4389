"""``threadline cases``, ``threadline audit`` and ``threadline keys``: survivor case records.

The database is ``--db`` (a file path or SQLAlchemy URL; default $THREADLINE_CASES_DB or
``threadline-cases.sqlite``). The master keyring is ``--key-file`` (default
$THREADLINE_CASES_KEY_FILE) or the JSON in $THREADLINE_CASES_KEYS; it is never stored in the
database. The CLI is an operator tool: it acts for the principal given by --user/--role/--org,
and every action is checked by the policy and audited like any other.

``threadline cases status|reassign|link``, ``cases perpetrator add`` and ``cases support-plan
add`` change one case; ``threadline cases consent|referral|directory`` cover consent (grant,
revoke, list), referrals (create, update) and the service directory (add an organisation or a
service, search): thin layers over :class:`CaseStore`, like the rest.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.table import Table

from threadline.cases import crypto, db
from threadline.cases.errors import CaseError
from threadline.cases.policy import Principal
from threadline.cases.store import (
    AGGREGATE_DIMENSIONS,
    CONSENT_PURPOSES,
    DEFAULT_K,
    LINK_KINDS,
    CaseContext,
    CaseStore,
    PersonInput,
)
from threadline.cli_console import console

cases_app = typer.Typer(help="Survivor case records: encrypted, consent-gated, audited.")
audit_app = typer.Typer(help="The hash-chained audit log of the case records.")
keys_app = typer.Typer(help="Master keys of the case records (key file, rotation).")
_out = console()
_err = console(stderr=True)

DEFAULT_DB = "threadline-cases.sqlite"
DbOption = Annotated[
    str,
    typer.Option("--db", envvar="THREADLINE_CASES_DB", help="File path or SQLAlchemy URL."),
]
KeyFileOption = Annotated[
    Path | None,
    typer.Option("--key-file", envvar=crypto.KEY_FILE_ENV, help="Master keyring (JSON, 0600)."),
]
UserOption = Annotated[str, typer.Option("--user", envvar="THREADLINE_USER", help="Acting user.")]
RoleOption = Annotated[
    list[str], typer.Option("--role", help="Role(s) of the acting user (repeatable).")
]
OrgOption = Annotated[
    str, typer.Option("--org", envvar="THREADLINE_ORG", help="Organisation acted within.")
]
WhyOption = Annotated[str, typer.Option("--why", help="Why you access the record (audited).")]


@audit_app.callback()
def audit_group() -> None:
    """The hash-chained audit log of the case records (a group, even with one command)."""


def _fail(message: str) -> NoReturn:
    _err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


def _store(target: str, key_file: Path | None) -> CaseStore:
    try:
        return CaseStore.open(target, crypto.load_keyring(key_file))
    except CaseError as exc:
        _fail(str(exc))


def _principal(user: str, roles: list[str], org: str) -> Principal:
    return Principal(user, frozenset(roles), org)


@cases_app.command("init")
def init_command(target: DbOption = DEFAULT_DB) -> None:
    """Create or upgrade the case database to the newest schema."""
    engine = db.make_engine(target)
    db.upgrade(engine)
    _out.print(f"case database at revision {db.current_revision(engine)}")


@keys_app.command("generate")
def keys_generate_command(
    key_file: Annotated[Path, typer.Option("--key-file", help="Where to write (new file).")],
) -> None:
    """Write a new master keyring (mode 0600); keep it outside the database and repository."""
    try:
        crypto.write_key_file(key_file, crypto.new_keyring())
    except FileExistsError:
        _fail(f"{key_file} exists: keys are never overwritten")
    _out.print(f"keyring written to {key_file}")


@keys_app.command("rotate")
def keys_rotate_command(
    key_file: Annotated[Path, typer.Option("--key-file", envvar=crypto.KEY_FILE_ENV)],
    user: UserOption,
    org: OrgOption,
    why: WhyOption = "scheduled key rotation",
    target: DbOption = DEFAULT_DB,
    role: RoleOption = ["admin"],  # noqa: B006 - typer needs a literal default
    drop_old: Annotated[bool, typer.Option(help="Remove keys no data key uses any more.")] = True,
) -> None:
    """Add a new master key, re-wrap every data key under it, then drop unused old keys.

    The key file holds old and new keys while re-wrapping, so readers keep working.
    """
    try:
        ring = crypto.load_keyring(key_file).with_new_active()
        crypto.replace_key_file(key_file, ring)
        store = CaseStore.open(target, ring)
        count = store.rotate_keys(_principal(user, role, org), why=why)
        in_use = store.keys_in_use()
        if drop_old:
            for key_id in list(ring.keys):
                if key_id != ring.active and not in_use.get(key_id):
                    ring = ring.without(key_id)
            crypto.replace_key_file(key_file, ring)
    except CaseError as exc:
        _fail(str(exc))
    _out.print(f"re-wrapped {count} data keys under {ring.active}; keys kept: {sorted(ring.keys)}")


@audit_app.command("verify")
def audit_verify_command(
    user: UserOption,
    org: OrgOption,
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["admin"],  # noqa: B006
    why: WhyOption = "audit check",
    head: Annotated[str | None, typer.Option(help="A head hash recorded earlier.")] = None,
) -> None:
    """Check the audit chain; exit 1 and name the first bad entry when it was tampered with."""
    store = _store(target, key_file)
    try:
        result = store.verify_audit(_principal(user, role, org), why=why, expected_head=head)
    except CaseError as exc:
        _fail(str(exc))
    if not result.ok:
        _err.print(f"audit chain BROKEN at entry {result.first_bad_seq}: {result.problem}")
        raise typer.Exit(1)
    _out.print(f"audit chain intact: {result.entries} entries, head {result.head}")


@cases_app.command("add")
def add_command(
    user: UserOption,
    org: OrgOption,
    why: WhyOption,
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["caseworker"],  # noqa: B006
    given_name: Annotated[str | None, typer.Option()] = None,
    family_name: Annotated[str | None, typer.Option()] = None,
    birth_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    gender: Annotated[str | None, typer.Option(help="prs_Gender code")] = None,
    citizenship: Annotated[list[str] | None, typer.Option(help="ISO 3166 alpha-2")] = None,
    exploitation: Annotated[list[str] | None, typer.Option(help="vic_TypeOfExploitation")] = None,
    control: Annotated[list[str] | None, typer.Option(help="vic_MethodsOfControl")] = None,
) -> None:
    """Open a case; prints its id."""
    store = _store(target, key_file)
    try:
        birth = date.fromisoformat(birth_date) if birth_date else None
        case_id = store.create_case(
            _principal(user, role, org),
            PersonInput(
                given_name=given_name,
                family_name=family_name,
                birth_date=birth,
                gender=gender,
                citizenship=tuple(citizenship or ()),
            ),
            CaseContext(
                exploitation_types=tuple(exploitation or ()),
                control_methods=tuple(control or ()),
            ),
            why=why,
        )
    except ValueError:
        _fail("birth date must be YYYY-MM-DD")
    except CaseError as exc:
        _fail(str(exc))
    _out.print(case_id)


@cases_app.command("show")
def show_command(
    case_id: str,
    user: UserOption,
    org: OrgOption,
    why: WhyOption,
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["caseworker"],  # noqa: B006
) -> None:
    """Show a case (in clear for its caseworker or a supervisor, else pseudonymous)."""
    store = _store(target, key_file)
    principal = _principal(user, role, org)
    table = Table("field", "value")
    try:
        if {"caseworker", "supervisor"} & principal.roles:
            view = store.read_case(principal, case_id, why=why)
            table.add_row("status", view.status)
            table.add_row("owner", view.owner_id)
            name = " ".join(n for n in (view.person.given_name, view.person.family_name) if n)
            table.add_row("name", name)
            table.add_row("account recorded", "yes" if view.account else "no")
            table.add_row("referrals", ", ".join(r.status for r in view.referrals) or "none")
        else:
            pseudo = store.read_pseudonymous(principal, case_id, why=why)
            table.add_row("status", pseudo.status)
            table.add_row("year", str(pseudo.year))
            table.add_row("links", str(len(pseudo.links)))
            table.add_row("erased", "yes" if pseudo.erased else "no")
    except CaseError as exc:
        _fail(str(exc))
    _out.print(table)


@cases_app.command("share")
def share_command(
    case_id: str,
    user: UserOption,
    org: OrgOption,
    why: WhyOption,
    to: Annotated[str, typer.Option("--to", help="Recipient organisation id.")],
    field: Annotated[list[str], typer.Option("--field", help="Field to share (repeatable).")],
    purpose: Annotated[str, typer.Option(help="Consent purpose.")] = "case_transfer",
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["caseworker"],  # noqa: B006
) -> None:
    """Share fields with an organisation under the survivor's consent; prints the fields as CSV."""
    store = _store(target, key_file)
    try:
        shared = store.share(
            _principal(user, role, org), case_id, to, field, why=why, purpose=purpose
        )
    except CaseError as exc:
        _fail(str(exc))
    writer = csv.writer(sys.stdout)
    writer.writerow(["field", "value"])
    for name, value in shared.fields.items():
        writer.writerow([name, "" if value is None else str(value)])


@cases_app.command("erase")
def erase_command(
    case_id: str,
    user: UserOption,
    org: OrgOption,
    why: WhyOption,
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["supervisor"],  # noqa: B006
) -> None:
    """Erase a case on request: its data key is destroyed (crypto-shredding), audited."""
    store = _store(target, key_file)
    try:
        store.erase(_principal(user, role, org), case_id, why=why)
    except CaseError as exc:
        _fail(str(exc))
    _out.print(f"case {case_id} erased: its personal fields can no longer be decrypted")


@cases_app.command("retention")
def retention_command(
    user: UserOption,
    org: OrgOption,
    why: WhyOption,
    closed_for_days: Annotated[
        int,
        typer.Option(
            "--closed-for-days",
            min=1,
            help="Shred cases whose status has been Closed or ClosedReferred this many days.",
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list the case ids that are due; shred none.")
    ] = False,
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["admin"],  # noqa: B006
) -> None:
    """Apply the retention period: crypto-shred the organisation's long-closed cases (admins).

    Prints the ids of the cases due (one a line); each erasure is audited with the detail
    'retention'. With --dry-run nothing is shredded.
    """
    from threadline.cases.retention import apply_retention

    store = _store(target, key_file)
    try:
        run = apply_retention(
            store,
            _principal(user, role, org),
            closed_for_days=closed_for_days,
            why=why,
            dry_run=dry_run,
        )
    except CaseError as exc:
        _fail(str(exc))
    for case_id in run.due:
        _out.print(case_id, highlight=False)
    cutoff = run.cutoff.isoformat(timespec="seconds")
    if run.dry_run:
        _err.print(f"dry run: {len(run.due)} cases closed since before {cutoff}; none erased")
    else:
        kept = len(run.due) - len(run.erased)
        note = f" ({kept} reopened meanwhile and kept)" if kept else ""
        _err.print(
            f"{len(run.erased)} cases closed since before {cutoff} erased{note}; "
            f"storage {'reclaimed' if run.reclaimed else 'not reclaimed (run VACUUM)'}"
            if run.erased
            else f"no case closed since before {cutoff}: nothing erased"
        )


@cases_app.command("export-aggregates")
def export_aggregates_command(
    user: UserOption,
    org: OrgOption,
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    why: WhyOption = "aggregate statistics",
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["researcher"],  # noqa: B006
    k: Annotated[int, typer.Option(help="Cells below k are suppressed.")] = DEFAULT_K,
) -> None:
    """Write k-anonymous counts by every dimension (suppressed cells are empty)."""
    store = _store(target, key_file)
    principal = _principal(user, role, org)
    rows: list[tuple[str, str, str]] = []
    try:
        for dimension in sorted(AGGREGATE_DIMENSIONS):
            for cell in store.aggregates(principal, dimension, why=why, k=k):
                rows.append((dimension, cell.value, "" if cell.count is None else str(cell.count)))
    except CaseError as exc:
        _fail(str(exc))
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dimension", "value", "count"])
        writer.writerows(rows)
    _out.print(f"{len(rows)} cells written to {out} (k={k})")


# ---- consent, referrals, directory ---------------------------------------------------------

consent_app = typer.Typer(help="The survivor's consents: grant, revoke, list.")
referral_app = typer.Typer(help="Referrals of a case to a directory service.")
directory_app = typer.Typer(help="The service directory: organisations and their services.")
cases_app.add_typer(consent_app, name="consent")
cases_app.add_typer(referral_app, name="referral")
cases_app.add_typer(directory_app, name="directory")


def _moment(text: str) -> datetime:
    """An ISO date or date-time; UTC unless it names an offset."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        _fail(f"{text!r} is not an ISO date or date-time (e.g. 2026-12-31T18:00+01:00)")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _tsv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Tab-separated lines with a header: ids stay whole (a table would cut them to fit)."""
    writer = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="minutes") if moment else ""


@consent_app.command("grant")
def consent_grant_command(
    case_id: str,
    user: UserOption,
    org: OrgOption,
    why: WhyOption,
    purpose: Annotated[str, typer.Option(help=f"One of {', '.join(sorted(CONSENT_PURPOSES))}.")],
    to: Annotated[str, typer.Option("--to", help="Recipient organisation id (directory).")],
    expires: Annotated[
        str | None, typer.Option(help="ISO date or date-time it ends (UTC unless an offset).")
    ] = None,
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["caseworker"],  # noqa: B006
) -> None:
    """Record the survivor's consent for one purpose and one recipient; prints its id."""
    until = _moment(expires) if expires else None
    store = _store(target, key_file)
    try:
        consent_id = store.grant_consent(
            _principal(user, role, org),
            case_id,
            purpose=purpose,
            recipient_organisation_id=to,
            why=why,
            expires_at=until,
        )
    except CaseError as exc:
        _fail(str(exc))
    _out.print(consent_id)


@consent_app.command("revoke")
def consent_revoke_command(
    consent_id: str,
    user: UserOption,
    org: OrgOption,
    why: WhyOption,
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["caseworker"],  # noqa: B006
) -> None:
    """Revoke a consent: no later share or referral may rely on it."""
    store = _store(target, key_file)
    try:
        store.revoke_consent(_principal(user, role, org), consent_id, why=why)
    except CaseError as exc:
        _fail(str(exc))
    _out.print(f"consent {consent_id} revoked")


@consent_app.command("list")
def consent_list_command(
    case_id: str,
    user: UserOption,
    org: OrgOption,
    why: WhyOption,
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["caseworker"],  # noqa: B006
) -> None:
    """List a case's consents (tab-separated) and whether each is valid now; audited as a read."""
    store = _store(target, key_file)
    try:
        view = store.read_case(_principal(user, role, org), case_id, why=why)
    except CaseError as exc:
        _fail(str(exc))
    rows = [
        (
            consent.id,
            consent.purpose,
            consent.recipient_organisation_id,
            _when(consent.granted_at),
            _when(consent.expires_at),
            _when(consent.revoked_at),
            "yes" if consent.valid else "no",
        )
        for consent in view.consents
    ]
    _tsv(("id", "purpose", "recipient", "granted", "expires", "revoked", "valid"), rows)


@referral_app.command("create")
def referral_create_command(
    case_id: str,
    user: UserOption,
    org: OrgOption,
    why: WhyOption,
    service: Annotated[str, typer.Option("--service", help="Service id (directory).")],
    reason: Annotated[str, typer.Option(help="cas_ReasonForOutgoingReferral code.")],
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["caseworker"],  # noqa: B006
) -> None:
    """Refer a case to a service (needs a valid referral consent); prints the referral id."""
    store = _store(target, key_file)
    try:
        referral_id = store.refer(
            _principal(user, role, org), case_id, service, reason=reason, why=why
        )
    except CaseError as exc:
        _fail(str(exc))
    _out.print(referral_id)


@referral_app.command("update")
def referral_update_command(
    referral_id: str,
    user: UserOption,
    org: OrgOption,
    why: WhyOption,
    status: Annotated[str, typer.Option(help="accepted, declined or completed.")],
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["caseworker"],  # noqa: B006
) -> None:
    """Record the recipient's answer: sent -> accepted|declined, accepted -> completed."""
    if status not in ("accepted", "declined", "completed"):
        _fail(f"{status!r} is not a referral answer: accepted, declined or completed")
    store = _store(target, key_file)
    try:
        store.update_referral(
            _principal(user, role, org),
            referral_id,
            status,  # type: ignore[arg-type]  # checked above
            why=why,
        )
    except CaseError as exc:
        _fail(str(exc))
    _out.print(f"referral {referral_id} {status}")


@directory_app.command("add-organisation")
def directory_add_organisation_command(
    user: UserOption,
    org: OrgOption,
    name: Annotated[str, typer.Option("--name", help="The organisation's name.")],
    org_type: Annotated[str, typer.Option("--type", help="org_Type code (HTCDS).")],
    country: Annotated[str | None, typer.Option(help="ISO 3166 alpha-2.")] = None,
    phone: Annotated[str | None, typer.Option(help="The organisation's switchboard.")] = None,
    why: WhyOption = "directory maintenance",
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["admin"],  # noqa: B006
) -> None:
    """Add an organisation to the directory; prints its id (the id consents name)."""
    store = _store(target, key_file)
    try:
        org_id = store.add_organisation(
            _principal(user, role, org),
            name=name,
            org_type=org_type,
            why=why,
            country=country,
            phone=phone,
        )
    except CaseError as exc:
        _fail(str(exc))
    _out.print(org_id)


@directory_app.command("add-service")
def directory_add_service_command(
    organisation_id: str,
    user: UserOption,
    org: OrgOption,
    service_type: Annotated[str, typer.Option("--type", help="shelter, legal_aid, medical ...")],
    language: Annotated[
        list[str] | None, typer.Option("--language", help="ISO 639 (repeatable).")
    ] = None,
    eligibility: Annotated[str, typer.Option(help="Who the service is for.")] = "",
    contact: Annotated[str, typer.Option(help="How to reach the service.")] = "",
    why: WhyOption = "directory maintenance",
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["admin"],  # noqa: B006
) -> None:
    """Add a service an organisation offers; prints its id (the id referrals name)."""
    store = _store(target, key_file)
    try:
        service_id = store.add_service(
            _principal(user, role, org),
            organisation_id,
            service_type=service_type,
            why=why,
            languages=language or (),
            eligibility=eligibility,
            contact=contact,
        )
    except CaseError as exc:
        _fail(str(exc))
    _out.print(service_id)


@directory_app.command("search")
def directory_search_command(
    user: UserOption,
    org: OrgOption,
    service_type: Annotated[str | None, typer.Option("--type", help="A service type.")] = None,
    language: Annotated[str | None, typer.Option("--language", help="ISO 639.")] = None,
    why: WhyOption = "find a service",
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["caseworker"],  # noqa: B006
) -> None:
    """Find services by type and language (tab-separated: the ids referrals name)."""
    store = _store(target, key_file)
    try:
        found = store.find_services(
            _principal(user, role, org), why=why, service_type=service_type, language=language
        )
    except CaseError as exc:
        _fail(str(exc))
    rows = [
        (
            info.id,
            info.organisation_name,
            info.organisation_id,
            info.service_type,
            ",".join(info.languages),
            info.contact,
        )
        for info in found
    ]
    _tsv(("service", "organisation", "organisation_id", "type", "languages", "contact"), rows)


# ---- status, reassignment, perpetrators, support plans, links --------------------------------

perpetrator_app = typer.Typer(help="Perpetrators of a case (role codes; name, details encrypted).")
plan_app = typer.Typer(help="The support plan of a case.")
cases_app.add_typer(perpetrator_app, name="perpetrator")
cases_app.add_typer(plan_app, name="support-plan")


@cases_app.command("status")
def status_command(
    case_id: str,
    status: Annotated[str, typer.Argument(help="cas_Status: Active, FollowUp, Closed ...")],
    user: UserOption,
    org: OrgOption,
    why: WhyOption,
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["caseworker"],  # noqa: B006
) -> None:
    """Change a case's status (a closed case's retention period runs from the change)."""
    store = _store(target, key_file)
    try:
        store.set_status(_principal(user, role, org), case_id, status, why=why)
    except CaseError as exc:
        _fail(str(exc))
    _out.print(f"case {case_id} status {status}", highlight=False)


@cases_app.command("reassign")
def reassign_command(
    case_id: str,
    owner: Annotated[str, typer.Argument(help="The new caseworker's user id.")],
    user: UserOption,
    org: OrgOption,
    why: WhyOption,
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["supervisor"],  # noqa: B006
) -> None:
    """Give a case to another caseworker (supervisors)."""
    if not owner.strip():
        _fail("name the new caseworker")
    store = _store(target, key_file)
    try:
        store.reassign(_principal(user, role, org), case_id, owner.strip(), why=why)
    except CaseError as exc:
        _fail(str(exc))
    _out.print(f"case {case_id} now with {owner.strip()}", highlight=False)


@perpetrator_app.command("add")
def perpetrator_add_command(
    case_id: str,
    user: UserOption,
    org: OrgOption,
    why: WhyOption,
    perpetrator_role: Annotated[
        list[str],
        typer.Option("--perpetrator-role", help="per_RoleInProcess code (repeatable)."),
    ],
    name: Annotated[str | None, typer.Option("--name", help="Name or alias (encrypted).")] = None,
    details: Annotated[
        str | None, typer.Option("--details", help="per_RoleDetails (encrypted).")
    ] = None,
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["caseworker"],  # noqa: B006
) -> None:
    """Add a perpetrator to a case; prints its id."""
    store = _store(target, key_file)
    try:
        perpetrator_id = store.add_perpetrator(
            _principal(user, role, org),
            case_id,
            roles=perpetrator_role,
            why=why,
            name=name,
            details=details,
        )
    except CaseError as exc:
        _fail(str(exc))
    _out.print(perpetrator_id, highlight=False)


@plan_app.command("add")
def support_plan_add_command(
    case_id: str,
    user: UserOption,
    org: OrgOption,
    why: WhyOption,
    plan_type: Annotated[str, typer.Option("--type", help="spl_Type code (HTCDS).")],
    objectives: Annotated[
        str | None, typer.Option("--objectives", help="What the plan is for (encrypted).")
    ] = None,
    planned_end: Annotated[str | None, typer.Option("--planned-end", help="YYYY-MM-DD.")] = None,
    service: Annotated[
        list[str] | None, typer.Option("--service", help="Directory service id (repeatable).")
    ] = None,
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["caseworker"],  # noqa: B006
) -> None:
    """Add a support plan item to a case; prints its id."""
    try:
        end = date.fromisoformat(planned_end) if planned_end else None
    except ValueError:
        _fail("planned end must be YYYY-MM-DD")
    store = _store(target, key_file)
    try:
        plan_id = store.add_support_plan(
            _principal(user, role, org),
            case_id,
            plan_type=plan_type,
            why=why,
            objectives=objectives,
            planned_end=end,
            services=service or (),
        )
    except CaseError as exc:
        _fail(str(exc))
    _out.print(plan_id, highlight=False)


@cases_app.command("link")
def link_command(
    case_id: str,
    user: UserOption,
    org: OrgOption,
    why: WhyOption,
    kind: Annotated[str, typer.Option("--kind", help=f"One of {', '.join(LINK_KINDS)}.")],
    canonical: Annotated[
        str,
        typer.Option(
            "--canonical",
            help="The contract's canonical value; '-' reads it from stdin (out of the history).",
        ),
    ],
    target: DbOption = DEFAULT_DB,
    key_file: KeyFileOption = None,
    role: RoleOption = ["caseworker"],  # noqa: B006
) -> None:
    """Link a case to an identifier or network by pseudonym; prints only the pseudonym."""
    if kind not in LINK_KINDS:
        _fail(f"--kind must be one of {', '.join(LINK_KINDS)}")
    value = sys.stdin.readline().strip() if canonical == "-" else canonical.strip()
    if not value:
        _fail("--canonical is empty")
    store = _store(target, key_file)
    try:
        pseudonym = store.link_identifier(
            _principal(user, role, org), case_id, kind, value, why=why
        )
    except CaseError as exc:
        _fail(str(exc))
    _out.print(pseudonym, highlight=False)
