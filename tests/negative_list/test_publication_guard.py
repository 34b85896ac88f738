"""Nothing non-disclosable reaches the public through a publication: fields, attachments, last gate.

Every way of hiding a checksum-valid ID number, a 密级 marking or a 不予公开 label that the
smuggling suite knows is tried here through the workflow — as an attachment of every type, and in
every public field — and must never be published. The last gate (portal page and push payload)
is tried on content that changed after the chain checked it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from gongkai_flow import Action, Actor, DisclosureItem, Flow, InfoSource
from gongkai_flow.demo import BUREAU
from gongkai_flow.errors import GongkaiFlowError, OutputBlockedError, TransitionBlockedError
from gongkai_flow.model import PUBLIC_FIELDS
from gongkai_flow.plugins.website.portal import PortalError, build_portal
from gongkai_flow.plugins.website.push import event_stand_in, payload_text, website_body
from gongkai_flow.storage.memory import MemoryRepository
from gongkai_flow.testing import published_event

from .fixtures import ID
from .test_smuggling import CASES

PEOPLE = dict(BUREAU)


#: Noise forms of the smuggling suite that are plain text (they fit in a form field).
def _middle_line(data: bytes) -> str | None:
    """The hidden text between the smuggling suite's prose line and its closing line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:  # the encoding cases only make sense as files
        return None
    head, _, rest = text.partition("\n")
    hidden, _, tail = rest.rpartition("\n公示期")
    return hidden if head and tail else None


TEXT_CASES = {
    case: line
    for case, (name, build, _, kind) in CASES.items()
    if kind == "text" and name.endswith(".txt") and (line := _middle_line(build())) is not None
}

#: The public text fields of an item, each filled in turn (title and body included).
FIELDS = [name for name in PUBLIC_FIELDS if name != "attachments"]


@pytest.fixture
def flow() -> Iterator[Flow]:
    """A flow with the default content guard (the negative list) in memory."""
    with Flow(repository=MemoryRepository()) as flow:
        yield flow


def draft(flow: Flow, **fields: object) -> DisclosureItem:
    values: dict[str, object] = {
        "title": "关于2019年就业补贴发放情况的公示",
        "kind": "政策文件",
        "body": "经审核，以下人员符合补贴发放条件，现予公示。",
        "attribute": "主动公开",
        "platforms": ["网站", "新媒体"],
        "column": "公示公告",
    }
    values.update(fields)
    return flow.draft(PEOPLE["zhangmin"], **values)  # type: ignore[arg-type]


def try_to_publish(flow: Flow, item_id: str) -> GongkaiFlowError | None:
    """Walk the chain; return the refusal that stopped it (``None`` if it got published)."""
    steps = [
        (Action.SUBMIT, "zhangmin", None),
        (Action.APPROVE, "lihua", "同意主动公开"),
        (Action.APPROVE, "wangfang", "同意"),
        (Action.APPROVE, "zhaoqiang", "同意"),
        (Action.APPROVE, "liuyang", "同意发布"),
        (Action.PUBLISH, "chenjing", None),
    ]
    for action, who, opinion in steps:
        try:
            flow.fire(item_id, action, PEOPLE[who], opinion=opinion)
        except GongkaiFlowError as exc:
            return exc
    return None


def assert_not_public(flow: Flow, item_id: str, refusal: GongkaiFlowError | None, tmp_path: Path) -> None:
    assert isinstance(refusal, TransitionBlockedError), refusal
    assert flow.get(item_id).state != "published"
    report = build_portal(flow.repository, tmp_path / "site")
    assert item_id not in report.pages
    for page in (tmp_path / "site").rglob("*.html"):
        assert ID not in page.read_text(encoding="utf-8")


def test_at_least_forty_ways_through_the_workflow() -> None:
    """Attachments of every kind plus every text noise form in every public field: well over forty."""
    assert len(CASES) + len(TEXT_CASES) * len(FIELDS) >= 40
    assert len(TEXT_CASES) >= 20


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_smuggled_attachment_is_published(flow: Flow, case: str, tmp_path: Path) -> None:
    """An attachment hiding an ID number, a marking or a label stops the chain; no page is written."""
    name, build, rule_id, _ = CASES[case]
    item = draft(flow)
    flow.attach(item.id, PEOPLE["zhangmin"], name, build())
    refusal = try_to_publish(flow, item.id)
    assert_not_public(flow, item.id, refusal, tmp_path)
    assert isinstance(refusal, TransitionBlockedError)
    assert rule_id in {f.rule_id for f in refusal.findings}
    assert any(f.message.startswith(f"附件“{name}”") for f in refusal.findings if f.rule_id == rule_id)


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("case", sorted(TEXT_CASES))
def test_no_smuggled_field_is_published(flow: Flow, field: str, case: str, tmp_path: Path) -> None:
    """Every public field — title, body, column, 文号, 转载来源 — is checked, in every noise form."""
    hidden = TEXT_CASES[case]
    extra: dict[str, object] = {field: f"关于补贴发放{hidden}" if field != "body" else f"公示如下：{hidden}"}
    if field == "source_name":
        extra["source"] = InfoSource.REPRINT
    if field != "body" and ("\n" in hidden or "\r" in hidden):
        # A line break cannot even be typed into a one-line field: refused at the boundary, nothing stored.
        with pytest.raises(GongkaiFlowError) as info:
            draft(flow, **extra)
        assert info.value.code == "form.invalid_field"
        assert list(flow.items()) == []
        return
    item = draft(flow, **extra)
    refusal = try_to_publish(flow, item.id)
    assert_not_public(flow, item.id, refusal, tmp_path)
    assert isinstance(refusal, TransitionBlockedError)
    assert {CASES[case][2]} <= {f.rule_id for f in refusal.findings}


def test_a_clean_item_with_a_clean_attachment_is_published(flow: Flow, tmp_path: Path) -> None:
    """The guard does not block what is fine: the control case of the suite."""
    item = draft(flow)
    flow.attach(item.id, PEOPLE["zhangmin"], "公示名单.csv", "姓名,金额\n刘某某,1000\n".encode())
    assert try_to_publish(flow, item.id) is None
    report = build_portal(flow.repository, tmp_path / "site")
    assert item.id in report.pages


# --- the last gate --------------------------------------------------------------------------------


def published_then_altered(flow: Flow, repo: MemoryRepository, **changes: str) -> DisclosureItem:
    """A published item whose stored content is changed behind the chain's back (as a bug or a tamper would)."""
    item = draft(flow)
    assert try_to_publish(flow, item.id) is None
    published = flow.get(item.id)
    altered = attrs.evolve(published, **changes)  # type: ignore[arg-type]
    repo._items[item.id] = altered  # behind the engine's back: only the last gate can stop it now
    return altered


@pytest.mark.parametrize(
    ("field", "value"),
    [("body", f"补充名单：刘某某 {ID}"), ("title", "机密★关于补贴的公示"), ("column", "（此件不予公开）")],
)
def test_the_portal_last_gate_refuses_a_page_that_changed_after_the_checks(
    tmp_path: Path, field: str, value: str
) -> None:
    """The rendered page is scanned before it is written: the build stops and writes nothing."""
    repo = MemoryRepository()
    with Flow(repository=repo) as flow:
        published_then_altered(flow, repo, **{field: value})
        with pytest.raises(PortalError) as info:
            build_portal(flow.repository, tmp_path / "site", guards=flow.workflow.content_guards)
    assert "最后检查" in info.value.message
    assert not (tmp_path / "site").exists()


def test_the_push_last_gate_refuses_a_payload_that_changed_after_the_checks() -> None:
    """The push payload is scanned before it is sent."""
    repo = MemoryRepository()
    with Flow(repository=repo) as flow:
        item = published_then_altered(flow, repo, document_number=f"日人社〔2019〕{ID}号")
        body = website_body(published_event(item), item, flow.audit(item.id))
        with pytest.raises(OutputBlockedError):
            flow.workflow.check_output(item, [("推送内容", payload_text(body))])


def test_the_last_gate_fails_closed_without_a_guard() -> None:
    """A workflow with no content guard refuses to let a page out (unless switched off explicitly)."""
    with Flow(plugins=[]) as flow:
        item = draft(flow)
        with pytest.raises(GongkaiFlowError) as info:
            flow.workflow.check_output(item, [("门户网站页面", "<p>正文</p>")])
    assert info.value.code == "rule.no_content_guard"


def test_people_of_the_chain_are_who_the_suite_thinks() -> None:
    """The suite drives the standard chain with the demo bureau's people."""
    roles = {who: {r.value for r in PEOPLE[who].roles} for who in ("lihua", "wangfang", "zhaoqiang", "liuyang")}
    assert all(roles.values())
    assert isinstance(PEOPLE["zhangmin"], Actor)


def test_the_push_last_gate_looks_even_without_the_stored_item() -> None:
    """Without a database the push gates the event's own fields: a smuggled title stops it, a clean one passes."""
    with Flow(repository=MemoryRepository()) as flow:
        item = draft(flow)
        assert try_to_publish(flow, item.id) is None
        clean = published_event(flow.get(item.id))
        smuggled = attrs.evolve(clean, title=f"补贴名单 {ID}")
        flow.workflow.check_output(event_stand_in(clean), [("推送内容", payload_text(website_body(clean, None, [])))])
        with pytest.raises(OutputBlockedError):
            flow.workflow.check_output(
                event_stand_in(smuggled), [("推送内容", payload_text(website_body(smuggled, None, [])))]
            )
