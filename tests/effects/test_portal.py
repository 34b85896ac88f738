"""The static portal: column and item pages, metadata, policy ↔ interpretation links, banners, escaping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gongkai_flow import Action, Flow, ItemKind
from gongkai_flow.cli import main as cli_main
from gongkai_flow.deadlines import BUREAU_TZ
from gongkai_flow.plugins._items import index_number
from gongkai_flow.plugins.website import PortalError, build_portal
from gongkai_flow.storage.memory import MemoryRepository

from .conftest import end, publish

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def flow(db_path: Path) -> Flow:
    """A flow on a SQLite file with a policy, its interpretation and some other published items."""
    return Flow(database=db_path)


def build(flow: Flow, out: Path, publisher: str = "日照市人力资源和社会保障局") -> dict[str, str]:
    """Build the portal from the flow's database; return each item page's HTML by item id."""
    with flow.unit(write=False) as repo:
        report = build_portal(repo, out, publisher=publisher)
    return {item_id: path.read_text(encoding="utf-8") for item_id, path in report.pages.items()}


def test_item_page_shows_the_metadata(flow: Flow, tmp_path: Path) -> None:
    """An item page carries 索引号, 发布机构, 发布日期 and 公开方式 主动公开, and its 文号."""
    item = publish(flow, "关于调整失业保险金标准的通知", document_number="日人社发〔2019〕21号")
    pages = build(flow, tmp_path / "site", publisher="日照市人力资源和社会保障局")
    html = pages[item.id]
    assert index_number(item) in html
    assert "<th>发布机构</th><td>日照市人力资源和社会保障局</td>" in html
    assert "<th>公开方式</th><td>主动公开</td>" in html
    assert item.published_at is not None
    assert f"<th>发布日期</th><td>{item.published_at.astimezone(BUREAU_TZ).date():%Y-%m-%d}" in html
    assert "日人社发〔2019〕21号" in html
    assert "<p>第一条 为做好就业创业工作，制定本通知。</p>" in html


def test_index_number_is_stable_and_distinct(flow: Flow) -> None:
    """The 索引号 depends only on the item: the same on every call, different for two items."""
    a = publish(flow, "文件甲")
    b = publish(flow, "文件乙")
    assert index_number(a) == index_number(flow.get(a.id))
    assert index_number(a) != index_number(b)
    assert re.fullmatch(r"11371100MB2857300Y/\d{4}-\d{8}", index_number(a))


def test_policy_and_interpretation_link_to_each_other(flow: Flow, tmp_path: Path) -> None:
    """The policy page links to its interpretation and the interpretation page back to the policy."""
    policy = publish(flow, "关于做好高校毕业生就业工作的通知")
    reading = publish(
        flow,
        "《关于做好高校毕业生就业工作的通知》政策解读",
        kind=ItemKind.POLICY_INTERPRETATION,
        column="政策解读",
        policy_id=policy.id,
    )
    pages = build(flow, tmp_path / "site")
    assert f'href="../items/{reading.id}.html">《关于做好高校毕业生就业工作的通知》政策解读</a>' in pages[policy.id]
    assert f'href="../items/{policy.id}.html">关于做好高校毕业生就业工作的通知</a>' in pages[reading.id]
    assert 'id="interpretations"' in pages[policy.id]
    assert 'id="policy"' not in pages[policy.id]


def test_abolished_and_expired_documents_keep_their_page_with_a_banner(flow: Flow, tmp_path: Path) -> None:
    """An abolished document shows 已废止 with its reason; an expired one 已失效; a valid one no banner."""
    old = publish(flow, "旧的就业补贴办法")
    lapsed = publish(flow, "2018年度社保缴费基数通知")
    valid = publish(flow, "现行有效的通知")
    end(flow, old.id, Action.ABOLISH, "已被日人社发〔2020〕3号废止")
    end(flow, lapsed.id, Action.EXPIRE, "执行期满")
    pages = build(flow, tmp_path / "site")
    assert 'id="status-banner"' in pages[old.id]
    assert "<strong>已废止</strong>" in pages[old.id]
    assert "已被日人社发〔2020〕3号废止" in pages[old.id]
    assert "<strong>已失效</strong>" in pages[lapsed.id]
    assert "执行期满" in pages[lapsed.id]
    assert 'id="status-banner"' not in pages[valid.id]


def test_retracted_items_are_gone_after_a_rebuild(flow: Flow, tmp_path: Path) -> None:
    """A retracted item has no page and no list entry, even where an earlier build had one."""
    kept = publish(flow, "保留的通知")
    wrong = publish(flow, "发错的通知")
    site = tmp_path / "site"
    assert wrong.id in build(flow, site)
    end(flow, wrong.id, Action.RETRACT, "内容有误")
    pages = build(flow, site)
    assert set(pages) == {kept.id}
    assert not (site / "items" / f"{wrong.id}.html").exists()
    everything = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert "发错的通知" not in everything


def test_hostile_titles_and_bodies_are_escaped(flow: Flow, tmp_path: Path) -> None:
    """Markup in a title, body, column or 文号 appears as text: no <script> or handler reaches the page."""
    item = publish(
        flow, f"通知{HOSTILE}", body=f"正文{HOSTILE}\n第二段", column=f"栏目{HOSTILE}", document_number=HOSTILE
    )
    site = tmp_path / "site"
    pages = build(flow, site)
    for path in site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "<script" not in html, path
        assert "<img" not in html, path
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in pages[item.id]


def test_items_not_for_the_public_website_are_not_rendered(tmp_path: Path) -> None:
    """Only 主动公开 items for 网站 in a visible state get a page (the in-memory store works too)."""
    repo = MemoryRepository()
    with Flow(repository=repo) as flow:
        public = publish(flow, "网站公开的通知")
        publish(flow, "只发新媒体", platforms=("新媒体",))
        report = build_portal(repo, tmp_path / "site")
    assert set(report.pages) == {public.id}


def test_a_folder_that_is_not_a_portal_is_never_emptied(flow: Flow, tmp_path: Path) -> None:
    """Building into a non-empty folder that no earlier build made is refused, and nothing is deleted."""
    target = tmp_path / "mine"
    target.mkdir()
    (target / "thesis.docx").write_text("important")
    with pytest.raises(PortalError, match="不是空的"):
        build(flow, target)
    assert (target / "thesis.docx").read_text() == "important"


def test_column_pages_list_their_items(flow: Flow, tmp_path: Path) -> None:
    """Each column has a list page linking to its items; the home page links to every column."""
    a = publish(flow, "政策甲", column="政策文件")
    b = publish(flow, "公告乙", column="通知公告", kind=ItemKind.NOTICE)
    site = tmp_path / "site"
    with flow.unit(write=False) as repo:
        report = build_portal(repo, site)
    assert len(report.columns) == 2
    lists = {p.read_text(encoding="utf-8") for p in report.columns}
    assert any(f"../items/{a.id}.html" in html and "政策文件" in html for html in lists)
    assert any(f"../items/{b.id}.html" in html and "通知公告" in html for html in lists)
    index = report.index.read_text(encoding="utf-8")
    assert all(f'href="{p.relative_to(site).as_posix()}"' in index for p in report.columns)


def test_gongkai_portal_build_writes_the_site(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``gongkai portal build OUT --db PATH`` renders the published items and says where to open it."""
    with Flow(database=db_path) as flow:
        item = publish(flow, "命令行生成的通知")
    out = tmp_path / "portal"
    cli_main(["portal", "build", str(out), "--db", str(db_path), "--publisher", "日照市人社局"])
    assert "门户网站已生成：1 个信息页" in capsys.readouterr().out
    assert "日照市人社局" in (out / "items" / f"{item.id}.html").read_text(encoding="utf-8")


def test_website_plugin_rebuilds_the_portal_after_each_publication(db_path: Path, tmp_path: Path) -> None:
    """With the ``portal`` option the site is rebuilt from the outbox: published, then marked 已废止."""
    out = tmp_path / "portal"
    config = {"website": {"portal": str(out), "database": str(db_path)}}
    with Flow(database=db_path, plugins=["negative_list", "website"], plugin_config=config) as flow:
        item = publish(flow, "自动更新门户的通知")
        page = out / "items" / f"{item.id}.html"
        assert "自动更新门户的通知" in page.read_text(encoding="utf-8")
        end(flow, item.id, Action.ABOLISH, "已废止")
        assert "<strong>已废止</strong>" in page.read_text(encoding="utf-8")


def test_demo_ends_with_the_portal_and_the_notices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``gongkai demo`` builds the portal with both items, delivers 待办 notices, and says where to open it."""
    portal, notices = tmp_path / "portal", tmp_path / "notices.jsonl"
    cli_main(["demo", "--portal", str(portal), "--notices", str(notices)])
    out = capsys.readouterr().out
    assert f"{(portal / 'index.html').resolve().as_uri()}" in out.replace("\n", "")
    assert len(list((portal / "items").glob("*.html"))) == 2
    lines = notices.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 10
    assert "已发出的待办通知" in out
