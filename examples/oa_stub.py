"""A small OA stub: a worklist page (待办) for one actor, with approve and return buttons.

It shows how an OA web application embeds gongkai_flow: the host authenticates (here: the actor
id in the URL, from a fixed directory), the library authorizes and records. Run it with::

    .venv/bin/python examples/oa_stub.py            # self-check through Flask's test client, exit 0
    .venv/bin/python examples/oa_stub.py --serve    # serve on http://127.0.0.1:5000/worklist/lihua

``--serve`` seeds a temporary SQLite database with one submitted policy document; ``--db`` uses
a database of your own instead. tests/test_oa_stub.py drives the same app.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from flask import Flask, abort, redirect, render_template_string, request, url_for
from werkzeug.wrappers import Response

from gongkai_flow import Action, Actor, DisclosureItem, Flow, GongkaiFlowError, ItemKind, Role

#: The host's user directory (a real OA reads its own; the library never authenticates).
DIRECTORY: dict[str, Actor] = {
    a.id: a
    for a in (
        Actor("zhangmin", "张敏", "就业失业科", {Role.DRAFTER}),
        Actor("lihua", "李华", "局办公室", {Role.ATTRIBUTE_REVIEWER}),
        Actor("wangfang", "王芳", "政策法规科", {Role.LEGAL_REVIEWER}),
        Actor("zhaoqiang", "赵强", "就业失业科", {Role.SECTION_HEAD}),
        Actor("liuyang", "刘洋", "局领导", {Role.LEADER}, in_charge_of={"就业失业科"}),
        Actor("chenjing", "陈静", "行政许可科（12333）", {Role.PUBLISHER}),
    )
}

PAGE = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{{ actor.name }}的待办</title></head>
<body>
<h1>{{ actor.name }}（{{ actor.section }}）的待办</h1>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
{% if not items %}<p>暂无待办。</p>{% endif %}
<ul>
{% for item, stage, actions in items %}
  <li id="item-{{ item.id }}">
    <strong>{{ item.title }}</strong>（{{ stage }}）
    {% if "approve" in actions %}
    <form method="post" action="{{ url_for('act', item_id=item.id, action='approve') }}">
      <input type="hidden" name="actor" value="{{ actor.id }}">
      <input name="opinion" placeholder="审核意见" value="同意">
      <button type="submit">同意</button>
    </form>
    {% endif %}
    {% if "return" in actions %}
    <form method="post" action="{{ url_for('act', item_id=item.id, action='return') }}">
      <input type="hidden" name="actor" value="{{ actor.id }}">
      <input name="opinion" placeholder="退回意见（必填）">
      <button type="submit">退回</button>
    </form>
    {% endif %}
  </li>
{% endfor %}
</ul>
</body></html>
"""


def create_app(flow: Flow, directory: Mapping[str, Actor] = DIRECTORY) -> Flask:
    """The OA stub on ``flow``: ``GET /worklist/<actor>`` and ``POST /items/<id>/<approve|return>``."""
    app = Flask(__name__)

    def actor_or_404(actor_id: str) -> Actor:
        if actor_id not in directory:
            abort(404)
        return directory[actor_id]

    def worklist_page(actor: Actor, error: str | None = None, status: int = 200) -> tuple[str, int]:
        rows: list[tuple[DisclosureItem, str, set[str]]] = []
        for item in flow.worklist(actor):
            stage = flow.workflow.chain_of(item).stage(item.state).label
            allowed = {o.action.value for o in flow.available_actions(item.id, actor) if o.allowed}
            rows.append((item, stage, allowed))
        return render_template_string(PAGE, actor=actor, items=rows, error=error), status

    @app.get("/worklist/<actor_id>")
    def worklist(actor_id: str) -> tuple[str, int]:
        return worklist_page(actor_or_404(actor_id))

    @app.post("/items/<item_id>/<action>")
    def act(item_id: str, action: str) -> Response | tuple[str, int]:
        actor = actor_or_404(request.form.get("actor", ""))
        opinion = request.form.get("opinion", "").strip()
        try:
            if action == Action.APPROVE.value:
                flow.approve(item_id, actor, opinion or None)
            elif action == Action.RETURN.value:
                flow.return_item(item_id, actor, opinion)
            else:
                return worklist_page(actor, f"不支持的操作“{action}”。", 400)
        except GongkaiFlowError as err:
            # The library's message is already in Chinese and says what to do; nothing was stored.
            return worklist_page(actor, f"错误［{err.code}］：{err}", 400)
        return redirect(url_for("worklist", actor_id=actor.id))

    return app


def seed(flow: Flow) -> DisclosureItem:
    """Draft and submit one policy document, so that 李华 (局办公室) has it on her worklist."""
    drafter = DIRECTORY["zhangmin"]
    item = flow.draft(
        drafter,
        title="关于进一步做好就业创业工作的实施意见",
        kind=ItemKind.POLICY_DOCUMENT,
        body="为深入实施就业优先政策，现提出如下实施意见……",
        attribute="主动公开",
        platforms=["网站"],
    )
    return flow.submit(item.id, drafter)


def self_check() -> None:
    """Drive the app through Flask's test client: see the item, refuse an empty return, approve it."""
    with Flow.temporary() as flow:
        item = seed(flow)
        client = create_app(flow).test_client()
        page = client.get("/worklist/lihua").get_data(as_text=True)
        assert item.title in page, page
        refused = client.post(f"/items/{item.id}/return", data={"actor": "lihua", "opinion": ""})
        print("退回无意见：", refused.status_code, flow.get(item.id).state)
        assert refused.status_code == 400
        approved = client.post(f"/items/{item.id}/approve", data={"actor": "lihua", "opinion": "不涉密，同意主动公开"})
        assert approved.status_code == 302
        print("同意后：", flow.workflow.chain_of(flow.get(item.id)).stage(flow.get(item.id).state).label)
        assert item.title in client.get("/worklist/wangfang").get_data(as_text=True)
    print("OA stub self-check: ok")


def main(argv: list[str] | None = None) -> int:
    """Self-check by default; ``--serve`` serves the stub until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--serve", action="store_true", help="serve on --host:--port instead of self-checking")
    parser.add_argument("--db", help="SQLite path or SQLAlchemy URL (default: a seeded temporary database)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)
    if not args.serve:
        self_check()
        return 0
    flow = Flow(database=args.db) if args.db else Flow.temporary()
    with flow:
        if not args.db:
            seed(flow)
        create_app(flow).run(host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
