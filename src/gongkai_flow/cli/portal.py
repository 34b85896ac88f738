"""``gongkai portal build OUT/``: render the public static portal from the database."""

from __future__ import annotations

from pathlib import Path

import click

from ._app import cli, console
from ._output import output_error
from .db import db_option, open_database


@cli.group()
def portal() -> None:
    """门户网站：把已发布的信息生成静态网页。"""


@portal.command("build")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@db_option
@click.option("--publisher", default=None, help="发布机构名称（默认：日照市人力资源和社会保障局）。")
@click.option("--org-code", default=None, help="索引号前缀（机构代码）。")
def portal_build(out: Path, db: str, publisher: str | None, org_code: str | None) -> None:
    """生成门户网站：栏目页、信息页（索引号、发布机构、发布日期、公开方式），政策文件与解读互链，已废止/已失效标注。"""
    from ..bureau import default_bureau
    from ..duty_types import bureau_catalogue
    from ..plugins._items import DEFAULT_ORG_CODE, DEFAULT_PUBLISHER
    from ..plugins.website.portal import build_portal
    from ..storage.sql import SqlRepository

    catalogue = bureau_catalogue(default_bureau())

    database = open_database(db)
    try:
        with database.transaction(write=False) as conn:
            report = build_portal(
                SqlRepository(conn),
                out,
                publisher=publisher or DEFAULT_PUBLISHER,
                org_code=org_code or DEFAULT_ORG_CODE,
                catalogue=catalogue,
            )
    except OSError as exc:  # a folder that cannot be made or written (missing, read-only, full disk)
        raise output_error(out, exc) from exc
    finally:
        database.close()
    console().print(
        f"门户网站已生成：{len(report.pages)} 个信息页，{len(report.columns)} 个栏目页。"
        f"打开 {report.index.resolve()} 查看（或在该目录运行 python -m http.server）。"
    )
