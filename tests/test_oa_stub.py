"""The OA stub of examples/oa_stub.py (the host's session, the version in every form), via Flask's test client."""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from flask.testing import FlaskClient

from gongkai_flow import Actor, DisclosureItem, Flow, Role

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture(scope="module")
def oa_stub() -> Iterator[ModuleType]:
    sys.path.insert(0, str(EXAMPLES))
    try:
        import oa_stub

        yield oa_stub
    finally:
        sys.path.remove(str(EXAMPLES))


@pytest.fixture
def flow() -> Iterator[Flow]:
    with Flow.temporary() as flow:
        yield flow


@pytest.fixture
def item(oa_stub: ModuleType, flow: Flow) -> DisclosureItem:
    seeded: DisclosureItem = oa_stub.seed(flow)
    return seeded


@pytest.fixture
def client(oa_stub: ModuleType, flow: Flow) -> FlaskClient:
    client: FlaskClient = oa_stub.create_app(oa_stub.engine_of(flow), flow.workflow).test_client()
    return client


def test_worklist_shows_the_item_with_both_buttons(client: FlaskClient, item: DisclosureItem) -> None:
    """The 局办公室 reviewer's worklist lists the submitted item with 同意 and 退回 buttons."""
    page = client.get("/worklist/lihua")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert item.title in text
    assert f"/items/{item.id}/approve" in text
    assert f"/items/{item.id}/return" in text


def test_worklist_of_someone_else_is_empty(client: FlaskClient, item: DisclosureItem) -> None:
    """The legal reviewer has nothing to do before the 局办公室 approval."""
    text = client.get("/worklist/wangfang").get_data(as_text=True)
    assert item.title not in text
    assert "暂无待办" in text


def form(item: DisclosureItem, actor: str, opinion: str = "同意") -> dict[str, str]:
    """What the rendered form posts: the actor, the version the page showed, the opinion."""
    return {"actor": actor, "version": str(item.version), "opinion": opinion}


def test_the_form_carries_the_version(client: FlaskClient, item: DisclosureItem) -> None:
    """Both buttons' forms post the item's version as a hidden field."""
    text = client.get("/worklist/lihua").get_data(as_text=True)
    assert text.count(f'name="version" value="{item.version}"') == 2


def test_approve_moves_the_item_to_the_next_reviewer(client: FlaskClient, flow: Flow, item: DisclosureItem) -> None:
    """Approving redirects back and moves the item from 李华's worklist to 王芳's, with the opinion signed."""
    response = client.post(f"/items/{item.id}/approve", data=form(item, "lihua", "不涉密，同意主动公开"))
    assert response.status_code == 302
    assert flow.get(item.id).state == "legal_review"
    assert item.title not in client.get("/worklist/lihua").get_data(as_text=True)
    assert item.title in client.get("/worklist/wangfang").get_data(as_text=True)
    assert flow.audit(item.id)[-1].opinion == "不涉密，同意主动公开"


def test_return_without_opinion_shows_the_chinese_error(client: FlaskClient, flow: Flow, item: DisclosureItem) -> None:
    """A return with an empty opinion is refused with the library's Chinese message and changes nothing."""
    response = client.post(f"/items/{item.id}/return", data=form(item, "lihua", "  "))
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-code="rule.opinion_required"' in text
    assert 'role="alert"' in text
    assert "意见" in text
    assert flow.get(item.id).state == "attribute_review"


def test_return_with_opinion_sends_it_back_to_the_drafter(
    client: FlaskClient, flow: Flow, item: DisclosureItem
) -> None:
    """A return with an opinion puts the item back to 起草, on the drafter's worklist."""
    response = client.post(f"/items/{item.id}/return", data=form(item, "lihua", "请补充公开方式"))
    assert response.status_code == 302
    assert flow.get(item.id).state == "drafted"
    assert item.title in client.get("/worklist/zhangmin").get_data(as_text=True)


def test_wrong_reviewer_is_refused(client: FlaskClient, flow: Flow, item: DisclosureItem) -> None:
    """The legal reviewer cannot approve at the 局办公室 stage: 403 with the error code, item unchanged."""
    response = client.post(f"/items/{item.id}/approve", data=form(item, "wangfang"))
    assert response.status_code == 403
    assert 'data-code="auth.role_required"' in response.get_data(as_text=True)
    assert flow.get(item.id).state == "attribute_review"


def test_unknown_actor_is_not_found(client: FlaskClient) -> None:
    """An actor the directory does not know gets a 404, not an empty worklist."""
    assert client.get("/worklist/nobody").status_code == 404


def _code(response_text: str) -> str:
    match = re.search(r'data-code="([^"]+)"', response_text)
    assert match, response_text
    return match.group(1)


def test_double_submit_is_409_stale_item(client: FlaskClient, flow: Flow, item: DisclosureItem) -> None:
    """The same form posted twice: the first approves, the second is 409 ``storage.stale_item`` and stores nothing."""
    first = client.post(f"/items/{item.id}/approve", data=form(item, "lihua"))
    assert first.status_code == 302
    audit_length = len(flow.audit(item.id))
    again = client.post(f"/items/{item.id}/approve", data=form(item, "lihua"))
    text = again.get_data(as_text=True)
    assert again.status_code == 409
    assert _code(text) == "storage.stale_item"
    assert "李华" in text  # names who acted meanwhile
    assert flow.get(item.id).state == "legal_review"
    assert len(flow.audit(item.id)) == audit_length


def test_concurrent_approval_one_wins_the_other_409(
    oa_stub: ModuleType, client: FlaskClient, flow: Flow, item: DisclosureItem
) -> None:
    """Two 局办公室 reviewers hold the same form and press 同意 at once: one wins, the other gets 409."""
    colleague = Actor("lihua2", "周婷", "局办公室", {Role.ATTRIBUTE_REVIEWER})
    directory = {**oa_stub.DIRECTORY, colleague.id: colleague}
    app = oa_stub.create_app(oa_stub.engine_of(flow), flow.workflow, directory)
    seen = form(item, "lihua")
    barrier = threading.Barrier(2)
    results: dict[str, tuple[int, str]] = {}

    def press(actor_id: str) -> None:
        with app.test_client() as own:
            barrier.wait()
            response = own.post(f"/items/{item.id}/approve", data={**seen, "actor": actor_id})
            results[actor_id] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=press, args=(a,)) for a in ("lihua", "lihua2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    statuses = sorted(code for code, _ in results.values())
    assert statuses == [302, 409], results
    loser = next(text for code, text in results.values() if code == 409)
    assert _code(loser) == "storage.stale_item"
    assert flow.get(item.id).state == "legal_review"
    assert flow.get(item.id).version == item.version + 1
    assert [e.decision for e in flow.audit(item.id)].count("同意") == 1


def test_approval_after_a_colleague_is_409_naming_them(oa_stub: ModuleType, flow: Flow, item: DisclosureItem) -> None:
    """Read by both, saved by one: the other's later press is 409 and names who acted first."""
    colleague = Actor("lihua2", "周婷", "局办公室", {Role.ATTRIBUTE_REVIEWER})
    app = oa_stub.create_app(oa_stub.engine_of(flow), flow.workflow, {**oa_stub.DIRECTORY, colleague.id: colleague})
    client = app.test_client()
    assert item.title in client.get("/worklist/lihua").get_data(as_text=True)
    assert item.title in client.get("/worklist/lihua2").get_data(as_text=True)
    assert client.post(f"/items/{item.id}/approve", data=form(item, "lihua2")).status_code == 302
    late = client.post(f"/items/{item.id}/approve", data=form(item, "lihua"))
    assert late.status_code == 409
    assert _code(late.get_data(as_text=True)) == "storage.stale_item"
    assert "周婷" in late.get_data(as_text=True)


def test_a_form_without_its_version_is_refused(client: FlaskClient, flow: Flow, item: DisclosureItem) -> None:
    """A post that does not carry the version it was rendered with is a bad request; nothing moves."""
    response = client.post(f"/items/{item.id}/approve", data={"actor": "lihua", "opinion": "同意"})
    assert response.status_code == 400
    assert flow.get(item.id).state == "attribute_review"


def test_self_check_runs(oa_stub: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    """The example's own self-check passes (what `python examples/oa_stub.py` runs)."""
    oa_stub.self_check()
    assert "OA stub self-check: ok" in capsys.readouterr().out
