"""Attachments (附件): stored by content, bound into the content hash, published with the item."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from conftest import next_step, valid_proactive_fields
from gongkai_flow import Action, Actor, DisclosureItem, Flow, Workflow
from gongkai_flow.deadlines import BUREAU_TZ
from gongkai_flow.engine import CONTENT_GUARD_OFF
from gongkai_flow.errors import GongkaiFlowError
from gongkai_flow.model import INTERNAL_FIELDS, PUBLIC_FIELDS, Attachment, public_texts
from gongkai_flow.plugins.website.portal import PortalError, build_portal
from gongkai_flow.plugins.website.push import website_body
from gongkai_flow.reports.form import form_html, review_form
from gongkai_flow.reports.ledger import LEDGER_COLUMNS, ledger_rows
from gongkai_flow.testing import published_event, run_cli

LIST = "姓名,补贴金额\n王某,1200\n李某,1500\n".encode()


@pytest.fixture(params=["memory", "sqlite"])
def any_flow(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flow]:
    """A flow with the default content guard, in memory or on a SQLite file."""
    flow = Flow() if request.param == "memory" else Flow(database=tmp_path / "a.db")
    yield flow
    flow.close()


def drafted(flow: Flow, bureau: dict[str, Actor], **fields: object) -> DisclosureItem:
    values = valid_proactive_fields()
    values.update(fields)
    return flow.draft(bureau["zhangmin"], **values)


def drive_to(flow: Flow, item_id: str, state: str, bureau: dict[str, Actor]) -> DisclosureItem:
    item = flow.get(item_id)
    while item.state != state:
        action, actor, opinion = next_step(item, bureau)
        item = flow.fire(item.id, action, actor, opinion=opinion)
    return item


def test_every_item_field_is_declared_public_or_internal() -> None:
    """A new field cannot reach the portal or the push without being declared (and so scanned)."""
    fields = {f.name for f in attrs.fields(DisclosureItem)}
    assert set(PUBLIC_FIELDS) | INTERNAL_FIELDS == fields
    assert not set(PUBLIC_FIELDS) & INTERNAL_FIELDS


def test_public_texts_include_every_public_field_and_attachment_name(bureau: dict[str, Actor]) -> None:
    """public_texts yields title, body, column, document number, source and each attachment name."""
    att = Attachment(name="名单.csv", media_type="text/csv", size=3, sha256="0" * 64)
    item = DisclosureItem(
        id="x",
        title="标题",
        kind="政策文件",
        body="正文",
        drafter_id="zhangmin",
        sections=("就业失业科",),
        column="栏目",
        document_number="文号",
        source_name="来源",
        attachments=(att,),
    )
    assert public_texts(item) == [
        ("title", "标题"),
        ("body", "正文"),
        ("column", "栏目"),
        ("document_number", "文号"),
        ("source_name", "来源"),
        ("attachments", "名单.csv"),
    ]


def test_attaching_stores_the_bytes_and_changes_the_content_hash(any_flow: Flow, bureau: dict[str, Actor]) -> None:
    """The item describes the file; the bytes come back checked; the hash covers the attachment."""
    item = drafted(any_flow, bureau)
    attached = any_flow.attach(item.id, bureau["zhangmin"], "补贴名单.csv", LIST)
    (att,) = attached.attachments
    assert (att.name, att.media_type, att.size, att.sha256) == (
        "补贴名单.csv",
        "text/csv",
        len(LIST),
        hashlib.sha256(LIST).hexdigest(),
    )
    assert attached.content_hash != item.content_hash
    assert any_flow.attachment_data(item.id, "补贴名单.csv") == LIST
    back = any_flow.detach(item.id, bureau["zhangmin"], "补贴名单.csv")
    assert back.attachments == ()
    assert back.content_hash == item.content_hash


def test_replacing_an_attachment_voids_the_approvals(any_flow: Flow, bureau: dict[str, Actor]) -> None:
    """A file changed after a review restarts the chain, like a changed body."""
    item = drafted(any_flow, bureau)
    any_flow.attach(item.id, bureau["zhangmin"], "名单.csv", LIST)
    item = drive_to(any_flow, item.id, "legal_review", bureau)
    any_flow.return_item(item.id, bureau["wangfang"], "名单需脱敏")
    any_flow.attach(item.id, bureau["zhangmin"], "名单.csv", LIST.replace("王某".encode(), "王＊".encode()))
    resubmitted = any_flow.submit(item.id, bureau["zhangmin"])
    assert resubmitted.state == "attribute_review"  # changed content: back to the start of the chain
    current = {s.stage for s in resubmitted.signatures if s.content_hash == resubmitted.content_hash}
    assert current <= {"drafted"}  # only the drafter's own submission is bound to the new content


def test_only_the_drafter_attaches_and_only_while_the_item_is_with_them(
    any_flow: Flow, bureau: dict[str, Actor]
) -> None:
    """Another person, or an item under review, is refused and nothing is stored."""
    item = drafted(any_flow, bureau)
    with pytest.raises(GongkaiFlowError) as info:
        any_flow.attach(item.id, bureau["lihua"], "名单.csv", LIST)
    assert info.value.code == "auth.not_drafter"
    any_flow.submit(item.id, bureau["zhangmin"])
    with pytest.raises(GongkaiFlowError) as info:
        any_flow.attach(item.id, bureau["zhangmin"], "名单.csv", LIST)
    assert info.value.code == "rule.not_editable"
    assert any_flow.get(item.id).attachments == ()


@pytest.mark.parametrize(
    ("name", "data"),
    [("", b"x"), ("../etc/passwd", b"x"), ("a/b.pdf", b"x"), (" 名单.csv", b"x"), ("名单.csv", "文本")],
)
def test_bad_attachments_are_refused_with_a_typed_error(
    any_flow: Flow, bureau: dict[str, Actor], name: str, data: object
) -> None:
    """Empty names, path separators, padded names and non-bytes are typed refusals; nothing changes."""
    item = drafted(any_flow, bureau)
    with pytest.raises(GongkaiFlowError) as info:
        any_flow.attach(item.id, bureau["zhangmin"], name, data)  # type: ignore[arg-type]
    assert info.value.code == "form.invalid_field"
    assert any_flow.get(item.id) == item


def test_an_attachment_over_the_cap_is_refused(tmp_path: Path, bureau: dict[str, Actor]) -> None:
    """The size cap is enforced before anything is stored."""
    with Flow(max_attachment_size=10) as flow:
        item = drafted(flow, bureau)
        with pytest.raises(GongkaiFlowError) as info:
            flow.attach(item.id, bureau["zhangmin"], "大文件.bin", b"x" * 11)
        assert info.value.code == "form.invalid_field"
        assert flow.get(item.id).attachments == ()


def test_a_tampered_blob_is_refused_everywhere(tmp_path: Path, bureau: dict[str, Actor]) -> None:
    """Bytes that no longer match their SHA-256 are never handed out nor published."""
    with Flow(database=tmp_path / "t.db") as flow:
        item = drafted(flow, bureau)
        flow.attach(item.id, bureau["zhangmin"], "名单.csv", LIST)
        drive_to(flow, item.id, "published", bureau)
        assert flow.database is not None
        with flow.database.engine.begin() as conn:
            conn.execute(sa.text("UPDATE gongkai_blobs SET data = :d"), {"d": b"forged"})
        with pytest.raises(GongkaiFlowError) as info:
            flow.attachment_data(item.id, "名单.csv")
        assert "SHA-256" in info.value.message
        with pytest.raises(PortalError):
            build_portal(flow.repository, tmp_path / "site")


def test_portal_publishes_attachments_as_download_links(tmp_path: Path, bureau: dict[str, Actor]) -> None:
    """The page links every attachment, and the linked file holds exactly the stored bytes."""
    with Flow(database=tmp_path / "p.db") as flow:
        item = drafted(flow, bureau)
        flow.attach(item.id, bureau["zhangmin"], "补贴名单 2019.csv", LIST)
        drive_to(flow, item.id, "published", bureau)
        report = build_portal(flow.repository, tmp_path / "site")
    html = report.pages[item.id].read_text(encoding="utf-8")
    digest = hashlib.sha256(LIST).hexdigest()
    assert f'href="../files/{digest}/%E8%A1%A5' in html
    assert "补贴名单 2019.csv" in html
    assert (tmp_path / "site" / "files" / digest / "补贴名单 2019.csv").read_bytes() == LIST


def test_push_payload_carries_the_attachments(tmp_path: Path, bureau: dict[str, Actor]) -> None:
    """The website push sends each attachment's description and its bytes (base64)."""
    with Flow(database=tmp_path / "w.db") as flow:
        item = drafted(flow, bureau)
        item = flow.attach(item.id, bureau["zhangmin"], "名单.csv", LIST)
        item = drive_to(flow, item.id, "published", bureau)
        files = [(a, flow.attachment_data(item.id, a.name)) for a in item.attachments]
        body = website_body(published_event(item), item, flow.audit(item.id), files=files)
    (sent,) = body["item"]["attachments"]
    assert sent["name"] == "名单.csv"
    assert base64.b64decode(sent["content_base64"]) == LIST
    assert sent["sha256"] == hashlib.sha256(LIST).hexdigest()


def test_review_form_and_ledger_list_the_attachments(any_flow: Flow, bureau: dict[str, Actor]) -> None:
    """The 审核表 names each file with its size and SHA-256; the ledger lists the names."""
    item = drafted(any_flow, bureau)
    any_flow.attach(item.id, bureau["zhangmin"], "名单.csv", LIST)
    drive_to(any_flow, item.id, "published", bureau)
    html = form_html(review_form(any_flow, item.id))
    assert "附件" in html
    assert "名单.csv" in html
    assert hashlib.sha256(LIST).hexdigest()[:16] in html
    published = any_flow.get(item.id)
    assert published.created_at is not None
    day = published.created_at.astimezone(BUREAU_TZ).date()
    (row,) = [r for r in ledger_rows(any_flow, day, day) if r[1] == item.id]
    assert dict(zip(LEDGER_COLUMNS, row, strict=True))["附件"] == "名单.csv"


# --- the content guard -------------------------------------------------------------------------------


def test_publishing_without_a_content_guard_is_refused(bureau: dict[str, Actor]) -> None:
    """With no content check enabled, publication to the website fails closed and nothing changes."""
    with Flow(plugins=[]) as flow:
        item = drafted(flow, bureau)
        approved = drive_to(flow, item.id, "approved", bureau)
        with pytest.raises(GongkaiFlowError) as info:
            flow.publish(item.id, bureau["chenjing"])
        assert info.value.code == "rule.no_content_guard"
        assert "negative_list" in info.value.message
        assert flow.get(item.id) == approved


def test_switching_the_guard_off_is_recorded_on_the_publication(bureau: dict[str, Actor]) -> None:
    """require_content_guard=False lets publication through, and the audit and the form say so."""
    with Flow(plugins=[], workflow=Workflow(require_content_guard=False)) as flow:
        item = drafted(flow, bureau)
        drive_to(flow, item.id, "published", bureau)
        entry = flow.audit(item.id)[-1]
        assert entry.action == Action.PUBLISH.value
        assert [o.rule_id for o in entry.overrides] == [CONTENT_GUARD_OFF]
        assert "内容检查" in form_html(review_form(flow, item.id))


def test_the_default_flow_is_guarded_by_the_negative_list() -> None:
    """Flow() with no plugin list enables the negative list, which declares itself the content guard."""
    with Flow() as flow:
        assert set(flow.workflow.content_guards) == {"negative_list"}
    assert flow.workflow.content_guards == {}  # closing withdraws the declaration


# --- the command line ----------------------------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path: Path, bureau: dict[str, Actor]) -> tuple[str, str]:
    db = str(tmp_path / "cli.db")
    with Flow(database=db) as flow:
        item = drafted(flow, bureau)
    actors = tmp_path / "actors.toml"
    actors.write_text(
        '[[actors]]\nid = "zhangmin"\nname = "张敏"\nsection = "就业失业科"\nroles = ["drafter"]\n', encoding="utf-8"
    )
    assert run_cli("actors", "import", str(actors), "--db", db) == 0
    return db, item.id


def test_cli_attaches_lists_exports_and_detaches(
    tmp_path: Path, cli_db: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Gongkai items attach | list | export | detach round-trip a file."""
    db, item_id = cli_db
    source = tmp_path / "名单.csv"
    source.write_bytes(LIST)
    assert run_cli("items", "attach", item_id, str(source), "--actor", "zhangmin", "--db", db) == 0
    assert run_cli("items", "list", item_id, "--db", db) == 0
    assert "名单.csv" in capsys.readouterr().out
    out = tmp_path / "导出.csv"
    assert run_cli("items", "export", item_id, "名单.csv", "-o", str(out), "--db", db) == 0
    assert out.read_bytes() == LIST
    assert run_cli("items", "detach", item_id, "名单.csv", "--actor", "zhangmin", "--db", db) == 0


@pytest.mark.parametrize("kind", ["fifo", "device", "folder", "missing"])
def test_cli_refuses_what_is_not_a_regular_file(
    tmp_path: Path, cli_db: tuple[str, str], kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A FIFO, a device (even behind a .csv link), a folder or a missing file: exit 1, nothing attached."""
    db, item_id = cli_db
    path = tmp_path / "x.csv"
    make: dict[str, Callable[[], None]] = {
        "fifo": lambda: os.mkfifo(path),
        "device": lambda: path.symlink_to("/dev/zero"),
        "folder": lambda: path.mkdir(),
        "missing": lambda: None,
    }
    make[kind]()
    assert run_cli("items", "attach", item_id, str(path), "--actor", "zhangmin", "--db", db) == 1
    assert "form.invalid_field" in capsys.readouterr().err
    with Flow(database=db) as flow:
        assert flow.get(item_id).attachments == ()
