"""The worklist queries on SQL: 待办 from the indexed ``wl_*`` columns and the worklist table, 已办 from the audit."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on

from ...chain import Scope
from ...model import Actor, ItemKind
from ..worklist import WorkItem, blocked_token
from .mapping import member
from .schema import WORK_LINE_COLUMNS, items_table, worklist_table

WorkShape = tuple[tuple[str, ...], int, bool]


def work_items(rows: Iterable[Sequence[Any]]) -> list[WorkItem]:
    """Worklist lines from rows of :data:`WORK_LINE_COLUMNS` and ``since``, as the driver returned them.

    ``sections`` is JSON text (cast from ``jsonb`` on PostgreSQL); ``since`` is ISO text in UTC
    (SQLite) or an aware time (PostgreSQL). Most lines share a few section lists: each distinct
    one is decoded once.
    """
    decoded: dict[str, tuple[str, ...]] = {}
    kinds: dict[str, ItemKind] = {k.value: k for k in ItemKind}
    out = []
    for item_id, title, kind, state, chain_id, chain_version, sections, drafter_id, version, since in rows:
        if isinstance(sections, str):
            found = decoded.get(sections)
            if found is None:
                found = decoded[sections] = tuple(json.loads(sections))
            sections = found
        else:
            sections = tuple(sections)
        if isinstance(since, str):
            since = datetime.fromisoformat(since).replace(tzinfo=UTC)
        elif since is not None:
            since = since.astimezone(UTC)
        kind = kinds.get(kind) or member(ItemKind, kind)  # member() raises for an unknown kind
        out.append(WorkItem(item_id, title, kind, state, chain_id, chain_version, sections, drafter_id, version, since))
    return out


def work_shape(actor: Actor, limit: int | None) -> WorkShape:
    """What the worklist statement depends on: the roles, how many sections led, whether limited."""
    return tuple(sorted(r.value for r in actor.roles)), len(actor.in_charge_of), limit is not None


def _like_escape(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def work_params(actor: Actor, limit: int | None) -> dict[str, Any]:
    """The bound parameters of the worklist queries for ``actor``."""
    params: dict[str, Any] = {
        "a_id": actor.id,
        "a_section": actor.section,
        "a_blocked": f"%{_like_escape(blocked_token(actor.id))}%",
        "a_limit": limit,
    }
    params.update({f"a_lead{n}": section for n, section in enumerate(sorted(actor.in_charge_of))})
    return params


_WORK_QUERIES: dict[WorkShape, tuple[sa.Select[Any], sa.Select[Any], sa.Select[Any]]] = {}


def _summary_columns() -> list[Any]:
    i = items_table.c
    raw = {"sections": sa.type_coerce(sa.cast(i.sections, sa.Text), sa.String)}
    return [raw.get(name, i[name]) for name in WORK_LINE_COLUMNS]


#: SQLite: the lines of listed items, from the covering index of open items, named because
#: SQLite's planner prefers the primary key for ``id = ?`` unless fresh statistics say otherwise.
OPEN_LINES: Final = sa.text(
    f"SELECT {', '.join(WORK_LINE_COLUMNS)} FROM gongkai_items INDEXED BY ix_gongkai_items_open"
    " WHERE wl_role IS NOT NULL AND id IN :ids"
).bindparams(sa.bindparam("ids", expanding=True))


def work_queries(shape: WorkShape) -> tuple[sa.Select[Any], sa.Select[Any], sa.Select[Any]]:
    """The worklist queries for one shape of actor, built once and reused.

    Returns the lines in waiting order (PostgreSQL: one statement, its ``DISTINCT ON`` keeping
    each item's longest wait), the listed ids in waiting order with ``since`` (for SQLite, whose
    lines come from :data:`OPEN_LINES`), and the count. One branch per exact (role, scope, key)
    range of the covering indexes, each in waiting order and cut at the page size, for the item
    rows and for the extra rows of joint items.
    """
    cached = _WORK_QUERIES.get(shape)
    if cached is not None:
        return cached
    roles, leads, limited = shape
    limit = sa.bindparam("a_limit", type_=sa.Integer) if limited else None
    i = items_table.c
    w = worklist_table.c
    sources = (
        (i.id, i.wl_since, i.wl_role, i.wl_scope, i.wl_key, i.wl_open, i.wl_blocked, i.drafter_id),
        (w.item_id, w.since, w.role, w.scope, w.scope_key, w.is_open, w.blocked, w.drafter_id),
    )
    actor_id = sa.bindparam("a_id", type_=sa.String)
    ranges: list[tuple[Scope, Any]] = [
        (Scope.OWN_ITEM, actor_id),
        (Scope.ANY, sa.literal_column("''")),
        (Scope.ITEM_SECTION, sa.bindparam("a_section", type_=sa.String)),
    ]
    ranges += [(Scope.SECTION_LEADER, sa.bindparam(f"a_lead{n}", type_=sa.String)) for n in range(leads)]
    parts = []
    line_parts = []
    for role in roles:
        for item_id, since, role_c, scope_c, key_c, open_c, blocked_c, drafter_c in sources:
            for scope, key in ranges:
                conditions = [
                    role_c == sa.literal_column(f"'{role}'"),
                    scope_c == sa.literal_column(f"'{scope.value}'"),
                ]
                conditions.append(key_c == key)
                if scope is not Scope.OWN_ITEM:
                    blocked = blocked_c.like(sa.bindparam("a_blocked", type_=sa.String), escape="/")
                    conditions += [drafter_c != actor_id, sa.or_(open_c, sa.not_(blocked))]
                branch = (
                    sa.select(item_id.label("item_id"), since.label("since"))
                    .where(*conditions)
                    .order_by(since)
                    .limit(limit)
                    .subquery()
                )
                parts.append(sa.select(branch.c.item_id, branch.c.since))
                # The same range carrying the lines' columns (PostgreSQL): each line's columns come
                # from the heap tuple the range's index points at, without a primary-key probe.
                lines = sa.select(*_summary_columns(), since.label("since")).where(*conditions)
                if item_id is not i.id:
                    lines = lines.join_from(worklist_table, items_table, item_id == i.id)
                line_parts.append(lines)
    matches = sa.union_all(*parts).subquery()
    first = sa.func.min(matches.c.since)
    grouped = sa.select(matches.c.item_id, first.label("since")).group_by(matches.c.item_id)
    # Ordered here only to cut a page: a whole list is sorted once, by the statement that returns it.
    page = (grouped.order_by(first, matches.c.item_id).limit(limit) if limited else grouped).subquery()
    # ``sections`` and ``since`` come back as the driver gives them (see :func:`work_items`):
    # SQLAlchemy's own JSON and date parsing cost more per line than the rest of the line.
    waited = sa.type_coerce(page.c.since, sa.String)
    query: sa.Select[*tuple[Any, ...]]
    if limited:
        # A page: the ranges cut on their indexes alone, then the page's few items read by key.
        query = (
            sa.select(*_summary_columns(), waited)
            .join_from(items_table, page, page.c.item_id == i.id)
            .order_by(page.c.since, page.c.item_id)
        )
    else:
        # A whole list: each line read where its range's index points, one per item kept at its
        # longest wait (DISTINCT ON keeps the first row of each id) — no key lookup per line.
        found = sa.union_all(*(part.subquery().select() for part in line_parts)).subquery()
        firsts = sa.select(found).ext(distinct_on(found.c.id)).order_by(found.c.id, found.c.since).subquery()
        query = sa.select(
            *(firsts.c[name] for name in WORK_LINE_COLUMNS), sa.type_coerce(firsts.c.since, sa.String)
        ).order_by(firsts.c.since, firsts.c.id)
    ordered = sa.select(page.c.item_id, waited).order_by(page.c.since, page.c.item_id)
    count = sa.select(sa.func.count(sa.distinct(matches.c.item_id)))
    _WORK_QUERIES[shape] = (query, ordered, count)
    return query, ordered, count
