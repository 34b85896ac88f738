"""A small OA stub: a worklist page (待办) for one actor, with approve and return buttons.

It embeds gongkai_flow the way docs/embedding.md describes for production: the OA owns its
database engine and its transactions — each request opens a SQLAlchemy session, builds a
``SqlRepository`` on it, lets the ``Workflow`` decide, saves, and commits (its own writes would
commit in the same transaction). The form carries the item's version (a hidden field) and the
action passes it back as ``expected_version``, so a double submit or a colleague who acted first
is answered 409 with the library's message; every error's HTTP status comes from
``gongkai_flow.errors.http_status``. The host authenticates (here: the actor id in the form,
from a fixed directory), the library authorizes and records. Run it with::

    .venv/bin/python examples/oa_stub.py            # self-check through Flask's test client, exit 0
    .venv/bin/python examples/oa_stub.py --serve    # serve on http://127.0.0.1:5000/worklist/lihua

``--serve`` seeds a temporary SQLite database with one submitted policy document; ``--db`` uses
a database of your own instead. tests/test_oa_stub.py drives the same app.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from flask import Flask, abort, redirect, render_template_string, request, url_for
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from gongkai_flow import Action, Actor, DisclosureItem, Flow, GongkaiFlowError, ItemKind, Role, SqlRepository, Workflow
from gongkai_flow.errors import http_status
from gongkai_flow.service import current_item

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
{% if error %}<p class="error" role="alert" data-code="{{ code }}">{{ error }}</p>{% endif %}
{% if not items %}<p>暂无待办。</p>{% endif %}
<ul>
{% for item, stage, actions in items %}
  <li id="item-{{ item.id }}">
    <strong>{{ item.title }}</strong>（{{ stage }}）
    {% if "approve" in actions %}
    <form method="post" action="{{ url_for('act', item_id=item.id, action='approve') }}">
      <input type="hidden" name="actor" value="{{ actor.id }}">
      <input type="hidden" name="version" value="{{ item.version }}">
      <input name="opinion" placeholder="审核意见" value="同意">
      <button type="submit">同意</button>
    </form>
    {% endif %}
    {% if "return" in actions %}
    <form method="post" action="{{ url_for('act', item_id=item.id, action='return') }}">
      <input type="hidden" name="actor" value="{{ actor.id }}">
      <input type="hidden" name="version" value="{{ item.version }}">
      <input name="opinion" placeholder="退回意见（必填）">
      <button type="submit">退回</button>
    </form>
    {% endif %}
  </li>
{% endfor %}
</ul>
</body></html>
"""


def create_app(engine: Engine, workflow: Workflow, directory: Mapping[str, Actor] = DIRECTORY) -> Flask:
    """The OA stub on the host's ``engine``: ``GET /worklist/<actor>``, ``POST /items/<id>/<approve|return>``.

    ``workflow`` is compiled once and shared by every request; effects are left in the outbox for
    a dispatch worker (``gongkai dispatch --loop``), as the application servers of a production
    deployment do.
    """
    app = Flask(__name__)
    # Write requests take SQLite's write lock when they begin (BEGIN IMMEDIATE), so two presses at
    # once queue up rather than one failing with "database is locked"; PostgreSQL ignores the option.
    writer = engine.execution_options(gongkai_write=True)
    actions = {Action.APPROVE.value: Action.APPROVE, Action.RETURN.value: Action.RETURN}

    def actor_or_404(actor_id: str) -> Actor:
        if actor_id not in directory:
            abort(404)
        return directory[actor_id]

    def worklist_page(actor: Actor, error: GongkaiFlowError | None = None) -> tuple[str, int]:
        rows: list[tuple[DisclosureItem, str, set[str]]] = []
        with Session(engine) as session, session.begin():
            repo = SqlRepository(session, workflow=workflow)
            for line in repo.worklist(actor):  # summary lines; the buttons need the whole item
                item = repo.get(line.id)
                allowed = {o.action.value for o in workflow.available_actions(item, actor) if o.allowed}
                rows.append((item, workflow.stage_label(item), allowed))
        page = render_template_string(
            PAGE,
            actor=actor,
            items=rows,
            error=f"错误［{error.code}］：{error.message}" if error else None,
            code=error.code if error else "",
        )
        return page, http_status(error) if error else 200

    @app.get("/worklist/<actor_id>")
    def worklist(actor_id: str) -> tuple[str, int]:
        return worklist_page(actor_or_404(actor_id))

    @app.post("/items/<item_id>/<action>")
    def act(item_id: str, action: str) -> Response | tuple[str, int]:
        actor = actor_or_404(request.form.get("actor", ""))
        opinion = request.form.get("opinion", "").strip() or None
        if action not in actions:
            abort(404)
        try:
            seen = int(request.form["version"])
        except (KeyError, ValueError):
            abort(400)  # a form without the version it was rendered with is not ours
        try:
            with Session(writer) as session, session.begin():
                repo = SqlRepository(session, workflow=workflow)
                # Read at the version the form showed: a stale form is refused naming who acted.
                current = current_item(repo, item_id, seen)
                outcome = workflow.fire(current, actions[action], actor, opinion=opinion, expected_version=seen)
                repo.save(outcome, expected_version=seen)
                # ... the OA's own writes (its 待办 table, a message) here, in the same transaction
        except GongkaiFlowError as err:
            # Rolled back: nothing was stored. The message is Chinese and says what to do.
            return worklist_page(actor, err)
        return redirect(url_for("worklist", actor_id=actor.id))

    return app


def engine_of(flow: Flow) -> Engine:
    """The engine of ``flow``'s database, standing in for the OA's own engine on that database."""
    if flow.database is None:
        raise SystemExit("the OA stub needs a SQL database, not the memory store")
    return flow.database.engine


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
    """Drive the app through Flask's test client: see the item, refuse an empty return, approve, resubmit."""
    with Flow.temporary() as flow:
        item = seed(flow)
        client = create_app(engine_of(flow), flow.workflow).test_client()
        page = client.get("/worklist/lihua").get_data(as_text=True)
        assert item.title in page, page
        form = {"actor": "lihua", "version": str(item.version)}
        refused = client.post(f"/items/{item.id}/return", data={**form, "opinion": ""})
        print("退回无意见：", refused.status_code, flow.get(item.id).state)
        assert refused.status_code == 422
        approved = client.post(f"/items/{item.id}/approve", data={**form, "opinion": "不涉密，同意主动公开"})
        assert approved.status_code == 302
        print("同意后：", flow.workflow.stage_label(flow.get(item.id)))
        again = client.post(f"/items/{item.id}/approve", data={**form, "opinion": "不涉密，同意主动公开"})
        print("重复提交：", again.status_code)
        assert again.status_code == 409
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
        # A real OA passes its own engine (on the same database) and one shared Workflow.
        create_app(engine_of(flow), flow.workflow).run(host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
