"""The public portal: a static site of everything published, rendered with jinja2.

``build_portal(repository, out)`` writes ``index.html``, one list page per column
(``columns/…html``) and one page per item (``items/…html``) with its metadata — 索引号, 发布机构,
发布日期, 公开方式 — and:

* a policy document links to its interpretations, and each interpretation back to its policy
  (the plan's 政策文件 ↔ 解读材料 相互关联);
* a document that was abolished or expired keeps its page, with an 已废止 / 已失效 banner (the
  plan: 在已发布的原文件上作出明确标注);
* a retracted item has no page at all: every build starts from an empty folder.

Every piece of user text goes through jinja2's autoescaping. ``gongkai portal build OUT/`` runs
this from the command line; the ``website`` plugin can rebuild it after each publication.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.parse
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, final

import attrs
import jinja2

from ...deadlines import BUREAU_TZ
from ...duty_types import DutyCatalogue, split_tag
from ...engine import gate_output
from ...errors import GongkaiFlowError
from ...model import AuditEntry, ContentGuard, DisclosureAttribute, DisclosureItem, ItemKind, Platform
from ...registry import missing_extra_error
from ...service import read_attachment
from ...storage.base import Repository
from .._items import (
    DEFAULT_ORG_CODE,
    DEFAULT_PUBLISHER,
    STATUS_LABELS,
    VISIBLE_STATES,
    index_number,
    page_slug,
    published_at,
    status_change,
)

#: The file that marks a folder as a portal this module built (and may therefore empty).
MARKER: Final = ".gongkai-portal"


class PortalError(GongkaiFlowError):
    """The portal cannot be written where it was asked to."""

    code = "portal.invalid_target"
    http_status = 500


def _local_day(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BUREAU_TZ).strftime("%Y-%m-%d")


def column_slug(column: str) -> str:
    """The file name (without ``.html``) of a column's list page."""
    return "c" + hashlib.sha256(column.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def is_public(item: DisclosureItem) -> bool:
    """Whether the item belongs on the public website (主动公开, not classified, meant for 网站)."""
    return (
        item.state in VISIBLE_STATES
        and not item.classified
        and item.attribute is DisclosureAttribute.PROACTIVE
        and Platform.WEBSITE in item.platforms
    )


@final
@attrs.frozen
class Link:
    """A link to another page of the portal."""

    href: str
    title: str
    state: str
    status_label: str
    inactive: bool


@final
@attrs.frozen
class Page:
    """One item's page, as the templates see it (plain text; the templates escape it)."""

    id: str
    href: str
    title: str
    kind: ItemKind
    kind_label: str
    column: str
    column_href: str
    state: str
    status_label: str
    inactive: bool
    status_changed_on: str
    status_reason: str
    published: datetime | None
    published_on: str
    index_number: str
    publisher: str
    disclosure: str
    document_number: str | None
    paragraphs: tuple[str, ...]
    policy_id: str | None
    interpretations: tuple[Link, ...] = ()
    policy: Link | None = None
    source_name: str | None = None
    attachments: tuple[FileLink, ...] = ()

    def link(self) -> Link:
        """A link to this page."""
        return Link(self.href, self.title, self.state, self.status_label, self.inactive)


@final
@attrs.frozen
class FileLink:
    """An attachment as the page lists it: its name, where the copied file is, its size and type."""

    name: str
    href: str
    size_text: str
    media_type: str
    sha256: str


def file_href(sha256: str, name: str) -> str:
    """Where an attachment is copied in the site: one folder per content, the file under its own name."""
    return f"files/{sha256}/{urllib.parse.quote(name)}"


def _size_text(size: int) -> str:
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


@final
@attrs.frozen
class Column:
    """One column (发布栏目) and its pages, the newest first."""

    name: str
    href: str
    pages: tuple[Page, ...]


@final
@attrs.frozen
class DirectoryDuty:
    """One duty of the 政府信息公开目录 page: its published items by period, the latest period first."""

    code: str
    name: str
    sections: str
    periods: tuple[tuple[str, tuple[Page, ...]], ...]


@final
@attrs.frozen
class Site:
    """What every template gets: the publisher, the columns, when it was built (and the 目录 page's link)."""

    title: str
    publisher: str
    built_at: str
    columns: tuple[Column, ...]
    directory_href: str | None = None


#: Where the 政府信息公开目录 page goes.
DIRECTORY_HREF: Final = "directory.html"


def directory(
    catalogue: DutyCatalogue, pages: Sequence[Page], items: Mapping[str, DisclosureItem]
) -> list[DirectoryDuty]:
    """The 目录: each duty of ``catalogue`` with the pages tagged for it, grouped by period."""
    by_duty: dict[str, dict[str, list[Page]]] = {}
    for page in pages:
        for tag in items[page.id].duty_tags:
            code, period = split_tag(tag)
            by_duty.setdefault(code, {}).setdefault(period, []).append(page)
    out = []
    for duty in catalogue:
        periods = by_duty.get(duty.code, {})
        out.append(
            DirectoryDuty(
                duty.code,
                duty.name,
                "、".join(duty.sections),
                tuple((period, tuple(periods[period])) for period in sorted(periods, reverse=True)),
            )
        )
    return out


@final
@attrs.frozen
class PortalReport:
    """What a build wrote: the folder, the item pages by item id, the column pages."""

    out: Path
    pages: dict[str, Path]
    columns: tuple[Path, ...]

    @property
    def index(self) -> Path:
        """The portal's home page."""
        return self.out / "index.html"


def make_page(
    item: DisclosureItem, entries: Sequence[AuditEntry], *, publisher: str = DEFAULT_PUBLISHER, org_code: str
) -> Page:
    """The page of one visible item, without its links to other pages."""
    column = item.column or item.kind.label
    changed = status_change(entries, item.state) if item.state != "published" else None
    paragraphs = tuple(p.strip() for p in item.body.splitlines() if p.strip())
    when = published_at(item, entries)
    return Page(
        id=item.id,
        href=f"items/{page_slug(item.id)}.html",
        title=item.title,
        kind=item.kind,
        kind_label=item.kind.label,
        column=column,
        column_href=f"columns/{column_slug(column)}.html",
        state=item.state,
        status_label=STATUS_LABELS.get(item.state, item.state),
        inactive=item.state != "published",
        status_changed_on=_local_day(changed.at if changed is not None else None),
        status_reason=(changed.opinion or "") if changed is not None else "",
        published=when,
        published_on=_local_day(when),
        index_number=index_number(item, org_code),
        publisher=publisher,
        disclosure=DisclosureAttribute.PROACTIVE.label,
        document_number=item.document_number,
        paragraphs=paragraphs,
        policy_id=item.policy_id,
        source_name=item.source_name,
        attachments=tuple(
            FileLink(a.name, file_href(a.sha256, a.name), _size_text(a.size), a.media_type, a.sha256)
            for a in item.attachments
        ),
    )


def link_pages(pages: Sequence[Page]) -> list[Page]:
    """Add the links both ways between policy documents and their interpretations."""
    by_id = {page.id: page for page in pages}
    interpretations: dict[str, list[Link]] = {}
    for page in pages:
        if page.kind is ItemKind.POLICY_INTERPRETATION and page.policy_id in by_id:
            interpretations.setdefault(page.policy_id, []).append(page.link())
    linked = []
    for page in pages:
        policy = by_id.get(page.policy_id) if page.policy_id is not None else None
        linked.append(
            attrs.evolve(
                page,
                interpretations=tuple(interpretations.get(page.id, ())),
                policy=policy.link() if policy is not None and page.kind is ItemKind.POLICY_INTERPRETATION else None,
            )
        )
    return linked


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("gongkai_flow.plugins.website", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _prepare(out: Path) -> None:
    """Empty ``out`` if it is a portal built before; refuse any other non-empty folder."""
    if out.exists():
        if not out.is_dir():
            raise PortalError(f"{out} 已存在且不是文件夹，无法生成门户网站。")
        if any(out.iterdir()):
            if not (out / MARKER).exists():
                raise PortalError(f"文件夹 {out} 不是空的，也不是之前生成的门户网站；为免误删，请换一个输出目录。")
            shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("gongkai_flow portal\n", encoding="utf-8")


def build_portal(
    repository: Repository,
    out: str | os.PathLike[str],
    *,
    publisher: str = DEFAULT_PUBLISHER,
    org_code: str = DEFAULT_ORG_CODE,
    title: str | None = None,
    now: datetime | None = None,
    guards: Mapping[str, ContentGuard] | None = None,
    catalogue: DutyCatalogue | None = None,
) -> PortalReport:
    """Render every public item of ``repository`` into the folder ``out`` (emptied first).

    Each item page and its attachments pass the last gate (:func:`~gongkai_flow.engine.gate_output`)
    before anything is written: ``guards`` are the flow's content guards (``flow.workflow.content_guards``);
    without them the negative list's built-in rules are used, and if it is not installed the build
    is refused. With a duty ``catalogue``, a 政府信息公开目录 page (``directory.html``) lists every
    published item under the duties it is tagged with.
    """
    gate = guards if guards is not None else default_guards()
    target = Path(out)
    public_items = [item for item in repository.items(states=VISIBLE_STATES) if is_public(item)]
    pages = [
        make_page(item, repository.audit(item.id), publisher=publisher, org_code=org_code) for item in public_items
    ]
    # Read every attachment before writing anything: a missing or altered file stops the build.
    blobs = repository.blob_store()
    files: dict[str, tuple[str, bytes]] = {}
    for item in public_items:
        for a in item.attachments:
            try:
                files[file_href(a.sha256, a.name)] = (a.name, read_attachment(blobs, a, item_id=item.id))
            except GongkaiFlowError as exc:
                raise PortalError(f"《{item.title}》的{exc.message}门户网站未生成。") from exc
    pages = link_pages(pages)
    pages.sort(key=lambda p: (p.published or datetime.min.replace(tzinfo=UTC), p.id), reverse=True)
    by_column: dict[str, list[Page]] = {}
    for page in pages:
        by_column.setdefault(page.column, []).append(page)
    columns = tuple(
        Column(name, f"columns/{column_slug(name)}.html", tuple(column_pages))
        for name, column_pages in sorted(by_column.items())
    )
    built = (now or datetime.now(UTC)).astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M")
    site = Site(
        title=title or f"{publisher} 政府信息公开",
        publisher=publisher,
        built_at=built,
        columns=columns,
        directory_href=DIRECTORY_HREF if catalogue is not None else None,
    )

    # Render and pass the last gate before touching the folder: a blocked page writes nothing.
    env = _environment()
    item_template = env.get_template("item.html")
    by_id = {item.id: item for item in public_items}
    rendered = []
    for page in pages:
        html = item_template.render(site=site, page=page, root="../")
        item = by_id[page.id]
        item_files = [(a, files[file_href(a.sha256, a.name)][1]) for a in item.attachments]
        try:
            gate_output(gate, item, [("门户网站页面", html)], item_files)
        except GongkaiFlowError as exc:
            raise PortalError(f"门户网站未生成：{exc.message}") from exc
        rendered.append((page, html))

    _prepare(target)
    (target / "items").mkdir()
    (target / "columns").mkdir()
    (target / "index.html").write_text(env.get_template("index.html").render(site=site, root=""), encoding="utf-8")
    style = env.loader.get_source(env, "style.css")[0] if env.loader is not None else ""
    (target / "style.css").write_text(style, encoding="utf-8")
    for href, (_, data) in files.items():
        path = target / Path(*[urllib.parse.unquote(part) for part in href.split("/")])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    written: dict[str, Path] = {}
    for page, html in rendered:
        path = target / page.href
        path.write_text(html, encoding="utf-8")
        written[page.id] = path
    if catalogue is not None:
        duties = directory(catalogue, pages, {item.id: item for item in public_items})
        html = env.get_template("directory.html").render(site=site, duties=duties, root="")
        (target / DIRECTORY_HREF).write_text(html, encoding="utf-8")
    column_template = env.get_template("column.html")
    column_paths = []
    for column in columns:
        path = target / column.href
        path.write_text(column_template.render(site=site, column=column, root="../"), encoding="utf-8")
        column_paths.append(path)
    return PortalReport(target, written, tuple(column_paths))


def default_guards() -> dict[str, ContentGuard]:
    """The negative list's built-in rules as the last gate, for builds outside a flow; refused if not installed."""
    try:
        from ..negative_list import default_guard
    except ModuleNotFoundError as exc:
        missing = missing_extra_error(exc, ("negative-list",), what="生成门户网站前须用负面清单检查每个页面，")
        raise (missing or PortalError(f"生成门户网站需要负面清单检查，但无法加载：{exc}")) from exc
    return {"negative_list": default_guard()}
