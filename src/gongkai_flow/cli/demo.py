"""``gongkai demo``: a full publication with the bureau's people, the signed trail, the portal and the notices."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click
from rich.table import Table

from ..demo import BUREAU, run_demo
from ..model import Role
from ..plugins.website.portal import build_portal
from ..service import Flow
from ..text import beijing, beijing_time, quote_title
from ._app import cli, console, styled


def print_trail(flow: Flow, item_id: str) -> None:
    """Print an item's audit trail and the review form's signatures."""
    out = console()
    item = flow.get(item_id)
    chain = flow.workflow.chain_of(item)

    def stage_label(name: str) -> str:
        return chain.stage(name).label if chain.has_stage(name) else name

    out.print(styled("\n", (quote_title(item.title), "bold"), f"  状态：{stage_label(item.state)}  编号：{item.id}"))
    trail = Table(title="审核记录（全部操作）")
    for col in ("时间", "环节", "操作", "经办人", "科室", "意见", "内容指纹"):
        trail.add_column(col)
    for entry in flow.audit(item.id):
        trail.add_row(
            beijing_time(entry.at, seconds=True),
            stage_label(entry.from_state),
            entry.decision,
            entry.actor_name,
            entry.section,
            entry.opinion or "",
            entry.content_hash[:12],
        )
    out.print(trail)
    form = Table(title="政府信息公开及合规性审核表 · 签字（均对应发布内容的指纹）")
    for col in ("签字栏", "签字人", "科室", "日期", "意见"):
        form.add_column(col)
    signatures = flow.review_form(item.id)
    for stage in chain.stages:
        for entry in signatures.get(stage.name, []):
            role = entry.role.label if isinstance(entry.role, Role) else ""
            date = beijing(entry.at).strftime("%Y-%m-%d")
            form.add_row(role, entry.actor_name, entry.section, date, entry.opinion or "")
    out.print(form)


@cli.command()
@click.option("--plugin", "plugins", multiple=True, help="启用的插件（可多次指定），例如 log。")
@click.option(
    "--portal",
    "portal_dir",
    default="out/portal",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="门户网站（静态网页）的生成目录。",
)
@click.option(
    "--notices",
    default="out/notifications.jsonl",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="待办通知的输出文件（演示中代替邮件服务器）。",
)
def demo(plugins: Sequence[str], portal_dir: Path, notices: Path) -> None:
    """演示：一份政策文件及其解读走完整个审核发布流程，打印签字记录，生成门户网站并发出待办通知。"""
    flow = Flow.temporary(plugins=["negative_list", *(p for p in plugins if p != "negative_list")])
    notices.unlink(missing_ok=True)
    effects = {
        "website": {"repository": flow.repository, "portal": str(portal_dir)},
        "notify": {
            "repository": flow.repository,
            "actors": list(BUREAU.values()),
            "file": str(notices),
            "item_url": "http://oa.local/gongkai/items/{id}",
        },
    }
    flow.registry.load([name for name in effects if name not in flow.registry.plugins], effects)
    result = run_demo(flow)
    for item in (result.policy, result.interpretation):
        print_trail(flow, item.id)
    out = console()
    count = len(flow.interpretations_of(result.policy.id))
    out.print(
        f"\n政策文件与解读已相互关联：解读{quote_title(result.interpretation.title)}→ 政策文件 {result.policy.id}"
        f"（该文件共有 {count} 份解读）。"
    )
    out.print("参与人员：" + "、".join(f"{a.name}（{a.section}）" for a in BUREAU.values()))
    print_notices(notices)
    with flow.unit(write=False) as repo:
        report = build_portal(repo, portal_dir)
    index = report.index.resolve()
    out.print(
        f"\n门户网站已生成（{len(report.pages)} 个信息页，政策文件与解读互相链接）：{index.as_uri()}\n"
        f"也可以运行  python3 -m http.server -d {portal_dir} 8000  然后打开 http://127.0.0.1:8000/"
    )


def print_notices(path: Path) -> None:
    """Print the 待办 notices the notify plugin delivered to the demo's file sink."""
    out = console()
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    table = Table(title=f"已发出的待办通知（{len(lines)} 条，写入 {path}）")
    for col in ("通知", "收件人", "办理期限"):
        table.add_column(col)
    for line in lines:
        data = json.loads(line)
        names = "、".join(r["name"] for r in data["recipients"])
        table.add_row(data["title"], names, data["due"] or "")
    out.print(table)
