"""The OA stub of examples/oa_stub.py, driven through Flask's test client."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from flask.testing import FlaskClient

from gongkai_flow import DisclosureItem, Flow

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
    client: FlaskClient = oa_stub.create_app(flow).test_client()
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


def test_approve_moves_the_item_to_the_next_reviewer(client: FlaskClient, flow: Flow, item: DisclosureItem) -> None:
    """Approving redirects back and moves the item from 李华's worklist to 王芳's, with the opinion signed."""
    response = client.post(f"/items/{item.id}/approve", data={"actor": "lihua", "opinion": "不涉密，同意主动公开"})
    assert response.status_code == 302
    assert flow.get(item.id).state == "legal_review"
    assert item.title not in client.get("/worklist/lihua").get_data(as_text=True)
    assert item.title in client.get("/worklist/wangfang").get_data(as_text=True)
    assert flow.audit(item.id)[-1].opinion == "不涉密，同意主动公开"


def test_return_without_opinion_shows_the_chinese_error(client: FlaskClient, flow: Flow, item: DisclosureItem) -> None:
    """A return with an empty opinion is refused with the library's Chinese message and changes nothing."""
    response = client.post(f"/items/{item.id}/return", data={"actor": "lihua", "opinion": "  "})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'role="alert"' in text
    assert "意见" in text
    assert flow.get(item.id).state == "attribute_review"


def test_return_with_opinion_sends_it_back_to_the_drafter(
    client: FlaskClient, flow: Flow, item: DisclosureItem
) -> None:
    """A return with an opinion puts the item back to 起草, on the drafter's worklist."""
    response = client.post(f"/items/{item.id}/return", data={"actor": "lihua", "opinion": "请补充公开方式"})
    assert response.status_code == 302
    assert flow.get(item.id).state == "drafted"
    assert item.title in client.get("/worklist/zhangmin").get_data(as_text=True)


def test_wrong_reviewer_is_refused(client: FlaskClient, flow: Flow, item: DisclosureItem) -> None:
    """The legal reviewer cannot approve at the 局办公室 stage: 400 with an error code, item unchanged."""
    response = client.post(f"/items/{item.id}/approve", data={"actor": "wangfang", "opinion": "同意"})
    assert response.status_code == 400
    assert "错误［" in response.get_data(as_text=True)
    assert flow.get(item.id).state == "attribute_review"


def test_unknown_actor_is_not_found(client: FlaskClient) -> None:
    """An actor the directory does not know gets a 404, not an empty worklist."""
    assert client.get("/worklist/nobody").status_code == 404
