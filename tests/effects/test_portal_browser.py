"""The built portal in headless Chromium, served over loopback: pages load, links resolve, banners show."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import httpx

from gongkai_flow import Action, Flow, ItemKind
from gongkai_flow.plugins.website import build_portal

from .browser import dump_dom, screenshot, serve
from .conftest import end, publish


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.hrefs.append(value)


def links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def site_with_abolished_policy(db_path: Path, out: Path) -> tuple[str, str]:
    """Publish a policy and its interpretation, abolish the policy, build the portal; return both ids."""
    with Flow(database=db_path) as flow:
        policy = publish(
            flow,
            "关于做好2019年高校毕业生就业创业工作的通知",
            body="各区县人力资源和社会保障局：\n为做好2019年高校毕业生就业创业工作，现就有关事项通知如下。",
            document_number="日人社发〔2019〕12号",
        )
        reading = publish(
            flow,
            "《关于做好2019年高校毕业生就业创业工作的通知》政策解读",
            kind=ItemKind.POLICY_INTERPRETATION,
            column="政策解读",
            policy_id=policy.id,
            body="一、出台背景\n二、主要内容\n三、享受补贴的条件和程序",
        )
        end(flow, policy.id, Action.ABOLISH, "已被日人社发〔2020〕3号文件废止")
        with flow.unit(write=False) as repo:
            build_portal(repo, out)
    return policy.id, reading.id


def test_portal_pages_load_in_chromium_links_resolve_and_the_banner_shows(db_path: Path, tmp_path: Path) -> None:
    """Every page of the portal renders in Chromium, every link on it answers 200, the 已废止 banner is shown."""
    out = tmp_path / "portal"
    policy_id, reading_id = site_with_abolished_policy(db_path, out)
    with serve(out) as base:
        policy_dom = dump_dom(f"{base}items/{policy_id}.html")
        assert re.search(r'id="status-banner"[^>]*>\s*<strong>已废止</strong>', policy_dom)
        assert "已被日人社发〔2020〕3号文件废止" in policy_dom
        assert f"items/{reading_id}.html" in policy_dom
        reading_dom = dump_dom(f"{base}items/{reading_id}.html")
        assert f"items/{policy_id}.html" in reading_dom
        assert "status-banner" not in reading_dom
        pages = [base + p.relative_to(out).as_posix() for p in sorted(out.rglob("*.html"))]
        seen: set[str] = set()
        with httpx.Client(timeout=5) as client:
            for page in pages:
                dom = dump_dom(page) if page.endswith("index.html") else client.get(page).text
                for href in links(dom):
                    target = urljoin(page, href)
                    assert urlparse(target).netloc == urlparse(base).netloc, target
                    if target not in seen:
                        seen.add(target)
                        assert client.get(target).status_code == 200, f"{page} → {href}"
        assert len(seen) >= 5


def test_an_item_page_screenshot_is_a_png(db_path: Path, tmp_path: Path) -> None:
    """Chromium takes a screenshot of an abolished policy's page (what docs/img/portal-item.png shows)."""
    out = tmp_path / "portal"
    policy_id, _ = site_with_abolished_policy(db_path, out)
    with serve(out) as base:
        png = screenshot(f"{base}items/{policy_id}.html", tmp_path / "item.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 5000
