"""Helpers for testing code that embeds gongkai_flow (and for gongkai_flow's own suite).

``postgres_schema`` gives a test session its own PostgreSQL schema, so a suite can run against a
shared server without touching anyone's data (``fresh_schema`` is the same without pytest, for
benchmarks). The variable ``GONGKAI_TEST_DATABASE_URL`` names the server: unset, the PostgreSQL
tests skip with a reason; set but unreachable, they fail — a CI that asks for PostgreSQL must not
pass by skipping it.

Sample values: ``register_application`` registers a 依申请公开 application as ``REQUEST_OFFICER``;
``published_event`` is the event a publication emits; ``run_cli`` runs the command line in-process.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, Final

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from .applications import ApplicantType, Application, Channel
from .events import ItemPublished
from .model import Actor, DisclosureItem, Role
from .storage.database import database_url

if TYPE_CHECKING:
    from .service import Flow

#: The environment variable naming the PostgreSQL server the tests may use.
PG_ENV: Final = "GONGKAI_TEST_DATABASE_URL"


@contextmanager
def fresh_schema(base: str, prefix: str, *, synchronous_commit: bool = True) -> Iterator[str]:
    """A URL on server ``base`` whose ``search_path`` is a new schema named after ``prefix``, dropped on exit.

    For benchmarks and tests alike; connection errors are the driver's (see :func:`postgres_schema`
    for the pytest flavour). ``synchronous_commit=False`` lets commits skip waiting for the disk,
    which changes nothing about visibility or locking.
    """
    schema = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(database_url(base), connect_args={"connect_timeout": 5})
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except BaseException:
        admin.dispose()
        raise
    options = f"-csearch_path={schema}" + ("" if synchronous_commit else " -csynchronous_commit=off")
    try:
        yield database_url(base).update_query_dict({"options": options}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def postgres_schema(prefix: str, *, synchronous_commit: bool = False) -> Iterator[str]:
    """A URL whose ``search_path`` is a fresh schema, dropped on exit; pytest skip/fail as above.

    ``synchronous_commit=False`` lets commits skip waiting for the disk, which changes nothing
    about visibility or locking and makes tests faster.
    """
    import pytest  # only needed by test code

    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(
            f"{PG_ENV} is not set: PostgreSQL tests skipped (e.g. postgresql+psycopg://postgres@127.0.0.1/test)"
        )
    with ExitStack() as stack:
        try:
            url = stack.enter_context(fresh_schema(base, prefix, synchronous_commit=synchronous_commit))
        except sa_exc.OperationalError as exc:
            pytest.fail(f"{PG_ENV} is set but PostgreSQL cannot be reached: {exc}")
        yield url


def run_cli(*args: str) -> int:
    """Run the ``gongkai`` command line in-process with ``args``; return its exit status."""
    from .cli import main

    try:
        main(list(args))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def run_cli_output(capsys: Any, *args: str) -> tuple[int, str, str]:
    """:func:`run_cli` under pytest's ``capsys``: (exit status, stdout, stderr) of the call."""
    code = run_cli(*args)
    out, err = capsys.readouterr()
    return code, out, err


def published_event(item: DisclosureItem, *, event_id: str = "e1", actor_id: str = "chenjing") -> ItemPublished:
    """The ``item-published`` event of a published item, as the engine would have emitted it (for effect tests)."""
    if item.published_at is None:
        raise ValueError("published_event needs a published item")
    return ItemPublished(
        event_id=event_id,
        item_id=item.id,
        chain_id=item.chain_id,
        chain_version=item.chain_version,
        action="publish",
        from_state="approved",
        to_state="published",
        actor_id=actor_id,
        at=item.published_at,
        content_hash=item.content_hash,
        title=item.title,
        kind=item.kind.value,
        column=item.column,
        platforms=tuple(sorted(p.value for p in item.platforms)),
        policy_id=item.policy_id,
    )


#: 局办公室's officer for 依申请公开 applications (the actor :func:`register_application` registers as).
REQUEST_OFFICER: Final = Actor("zhaoli", "赵丽", "局办公室", {Role.REQUEST_OFFICER})


def register_application(flow: Flow, **changes: Any) -> Application:
    """Register a sample 依申请公开 application: 王某, in person, received 2019年9月20日; ``changes`` to its form."""
    form: dict[str, Any] = {
        "applicant_name": "王某",
        "applicant_type": ApplicantType.NATURAL_PERSON,
        "contact": "13800000000",
        "description": "2019年高校毕业生就业补贴发放情况",
        "channel": Channel.IN_PERSON,
        "submitted_on": date(2019, 9, 20),
    }
    return flow.requests.register(REQUEST_OFFICER, **{**form, **changes})
