"""The attachment steps beyond what a scenario can reach: a portal file altered or gone, a table under a text name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gongkai_flow import Actor, Role
from gongkai_flow.bdd import steps
from gongkai_flow.bdd.errors import ScenarioError
from gongkai_flow.bdd.world import World

PEOPLE = {
    "张敏": Actor("zhangmin", "张敏", "就业失业科", {Role.DRAFTER}),
    "李华": Actor("lihua", "李华", "局办公室", {Role.ATTRIBUTE_REVIEWER}),
    "王芳": Actor("wangfang", "王芳", "政策法规科", {Role.LEGAL_REVIEWER}),
    "赵强": Actor("zhaoqiang", "赵强", "就业失业科", {Role.SECTION_HEAD}),
    "刘洋": Actor("liuyang", "刘洋", "局领导", {Role.LEADER}, in_charge_of=("就业失业科",)),
    "陈静": Actor("chenjing", "陈静", "行政许可科（12333）", {Role.PUBLISHER}),
}
TITLE = "见习基地通知"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """A scenario's world with 见习基地通知 published with the attachment 名单.csv, and the portal built."""
    w = World(tmp_path)
    w.people.update(PEOPLE)
    w.directory.extend(PEOPLE.values())
    item = w.flow.draft(PEOPLE["张敏"], title=TITLE, kind="通知公告", body="现将名单公布如下。", attribute="主动公开")
    w.items[TITLE], w.current = item.id, item.id
    steps._attach(w, "张敏", TITLE, "名单.csv", datatable=[["单位名称", "岗位数"], ["某某科技有限公司", "12"]])
    w.check_pending()
    w.flow.submit(item.id, PEOPLE["张敏"])
    for who in ("李华", "王芳", "赵强", "刘洋"):
        w.flow.approve(item.id, PEOPLE[who], "同意")
    w.flow.publish(item.id, PEOPLE["陈静"])
    steps._build(w)
    yield w
    w.close()


def _portal_file(world: World) -> Path:
    root = world.tmp / "portal" / "files"
    (found,) = [p for p in root.rglob("*") if p.is_file()]
    return found


def test_the_linked_file_is_the_attachment(world: World) -> None:
    """As published, the page lists 名单.csv and its link leads to the same bytes."""
    steps._page_attachment(world, TITLE, "名单.csv")
    assert world.flow.attachment_data(world.items[TITLE], "名单.csv").decode("utf-8").startswith("单位名称,岗位数")


def test_an_altered_portal_file_fails(world: World) -> None:
    """A file on the site that differs from the item's attachment fails the step."""
    _portal_file(world).write_bytes(b"altered")
    with pytest.raises(ScenarioError, match="与信息当前的附件内容不一致"):
        steps._page_attachment(world, TITLE, "名单.csv")


def test_a_missing_portal_file_fails(world: World) -> None:
    """A page listing a file the site does not have fails the step."""
    _portal_file(world).unlink()
    with pytest.raises(ScenarioError, match="链接指向的文件不存在"):
        steps._page_attachment(world, TITLE, "名单.csv")


def test_a_table_needs_a_table_name(tmp_path: Path) -> None:
    """A table under a .txt name is refused in plain words; content given both ways, or not at all, too."""
    w = World(tmp_path)
    w.people.update(PEOPLE)
    item = w.flow.draft(PEOPLE["张敏"], title=TITLE, kind="通知公告", body="……", attribute="主动公开")
    w.items[TITLE] = item.id
    with pytest.raises(ScenarioError, match=r"只有名称以 \.csv 或 \.xlsx 结尾的附件可以用表格写内容"):
        steps._attach(w, "张敏", TITLE, "说明.txt", datatable=[["a"], ["b"]])
    with pytest.raises(ScenarioError, match="只能写一种"):
        steps._attach(w, "张敏", TITLE, "说明.txt", docstring="x", datatable=[["a"], ["b"]])
    with pytest.raises(ScenarioError, match="下面需要附件的内容"):
        steps._attach(w, "张敏", TITLE, "说明.txt")
    assert w.flow.get(item.id).attachments == ()
    w.close()
