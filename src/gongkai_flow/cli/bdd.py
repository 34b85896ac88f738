"""``gongkai bdd [PATH]``: run a folder of scenarios (.feature) and report in Chinese, with an HTML page."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click

from ._app import EXIT_REFUSED, EXIT_USAGE, cli


@cli.command("bdd")
@click.argument("path", type=click.Path(path_type=Path), default=Path("."), required=False)
@click.option(
    "--report",
    "report",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("bdd-report.html"),
    show_default=True,
    help="网页报告写到这个文件，可以用浏览器打开或作为附件发送。",
)
def bdd_cmd(path: Path, report: Path) -> None:
    """运行一个文件夹中的全部场景（.feature），逐个列出通过或失败及原因，并写出网页报告。

    不需要 pytest.ini。全部通过时退出码为 0，有失败为 1，文件夹不存在或其中没有场景文件为 2。
    """
    if importlib.util.find_spec("pytest_bdd") is None:
        click.echo('错误：运行场景需要安装 pytest-bdd：pip install "gongkai_flow[bdd]"。', err=True)
        raise click.exceptions.Exit(EXIT_USAGE)
    # Imported here: pytest is needed only by this command.
    from ..bdd.report import BddInputError, format_summary, render_html, run_folder

    try:
        run = run_folder(path)
    except BddInputError as exc:
        click.echo(f"错误：{exc.message}", err=True)
        raise click.exceptions.Exit(EXIT_USAGE) from None
    click.echo(format_summary(run), nl=False)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(render_html(run), encoding="utf-8")
    click.echo(f"网页报告：{report.resolve()}")
    if not run.ok:
        raise click.exceptions.Exit(EXIT_REFUSED)
