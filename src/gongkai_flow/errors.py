"""The exceptions of gongkai_flow.

One root, :class:`GongkaiFlowError`; a branch for definition errors (a chain or a plugin that
is wrong before anything runs) and one for runtime errors (an action refused). Every error has
a stable machine-readable ``code`` and a Chinese ``message`` a clerk understands; ``str(err)``
is that message. Codes never change once released: hosts and the CLI match on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Final

from .timers import BUREAU_TZ

if TYPE_CHECKING:
    from .model import AuditEntry, Finding


class GongkaiFlowError(Exception):
    """Root of every error the library raises on purpose."""

    #: The stable machine-readable code hosts match on.
    code: ClassVar[str] = "error"
    #: The HTTP status a web host answers with (read it through :func:`http_status`); a subclass
    #: states its own where it differs from its base (table: ``docs/concepts.md``).
    http_status: ClassVar[int] = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        for key, value in details.items():
            setattr(self, key, value)

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly form: code, message and the structured details."""
        return {
            "code": self.code,
            "message": self.message,
            **{k: v for k, v in self.details.items() if isinstance(v, str | int | None)},
        }


def http_status(exc: BaseException) -> int:
    """The HTTP status a web host should answer ``exc`` with.

    A :class:`GongkaiFlowError` carries it as the class attribute ``http_status`` (409 for
    ``storage.stale_item``, 403 for ``auth.*``, 404 for what does not exist, 422 for a refused
    action, 503 for a database that is down); anything else is an internal error, 500.
    """
    return exc.http_status if isinstance(exc, GongkaiFlowError) else 500


def error_classes() -> list[type[GongkaiFlowError]]:
    """Every :class:`GongkaiFlowError` class loaded so far, the root first, then by code.

    Modules define their own errors (storage, plugins, reports): import them first to see theirs.
    """
    found: list[type[GongkaiFlowError]] = []
    todo: list[type[GongkaiFlowError]] = [GongkaiFlowError]
    while todo:
        cls = todo.pop()
        if cls not in found:
            found.append(cls)
            todo.extend(cls.__subclasses__())
    return [GongkaiFlowError, *sorted(found[1:], key=lambda c: (c.code, c.__qualname__))]


# --- definition errors -------------------------------------------------------------------


class DefinitionError(GongkaiFlowError):
    """Something is wrong with how the library was set up: a chain, a plugin, a configuration."""

    code = "definition"
    http_status = 500


class ChainDefinitionError(DefinitionError):
    """A chain definition is invalid (unreachable state, trap state, unknown role…)."""

    code = "chain.invalid"


class UnknownChainError(DefinitionError):
    """No chain with that id and version is registered."""

    code = "chain.unknown"


class PluginError(DefinitionError):
    """A plugin could not be found, loaded or registered."""

    code = "plugin.invalid"


class PluginNotFoundError(PluginError):
    """A plugin named in the enable list is not installed."""

    code = "plugin.not_found"


class BureauConfigError(DefinitionError):
    """The bureau's configuration file (bureau.toml) is missing, unreadable or invalid."""

    code = "config.invalid"


class MissingExtraError(DefinitionError):
    """A feature needs an optional dependency that is not installed.

    ``details`` carry ``module`` (the missing top-level module) and ``extra`` (the extra of
    ``gongkai_flow`` that installs it); the message names the ``pip install`` line to run.
    """

    code = "dependency.missing"
    http_status = 500


class CalendarError(GongkaiFlowError):
    """The working-day calendar cannot answer."""

    code = "calendar.error"
    http_status = 500


class CalendarYearUnknownError(CalendarError):
    """No holiday data for a year: the calendar refuses to guess."""

    code = "calendar.year_unknown"


class CalendarFileError(CalendarError):
    """The bureau's calendar override file is unreadable or malformed."""

    code = "calendar.bad_file"


class OutputError(GongkaiFlowError):
    """A file or folder the library was asked to write could not be written; no partial file is left."""

    code = "output.write_failed"


# --- runtime errors ----------------------------------------------------------------------


class WorkflowError(GongkaiFlowError):
    """An action was refused; the item is unchanged."""

    code = "workflow"
    http_status = 422


class ItemNotFoundError(WorkflowError):
    """No item with that id."""

    code = "item.not_found"
    http_status = 404


class InvalidFieldError(WorkflowError):
    """A field of the form is missing or malformed."""

    code = "form.invalid_field"


class AttributeRequiredError(InvalidFieldError):
    """公开属性 was not chosen."""

    code = "form.attribute_required"


class WithheldCategoryRequiredError(InvalidFieldError):
    """不予公开 without a negative-list category or reason."""

    code = "form.withheld_category_required"


class ReprintSourceRequiredError(InvalidFieldError):
    """转载 without naming the source."""

    code = "form.reprint_source_required"


class PolicyLinkRequiredError(InvalidFieldError):
    """A policy interpretation that names no policy document."""

    code = "form.policy_link_required"


class PolicyNotPublishedError(WorkflowError):
    """An interpretation is published with or after its policy document, never before."""

    code = "rule.policy_unpublished"


class NotProactiveError(WorkflowError):
    """Only 主动公开 items may go to a public platform or be published."""

    code = "rule.not_proactive"


class ProactiveMustPublishError(WorkflowError):
    """A 主动公开 item is published, not filed away."""

    code = "rule.proactive_must_publish"


class ClassifiedItemError(WorkflowError):
    """涉密 items are never published or pushed."""

    code = "rule.classified"


class OpinionRequiredError(WorkflowError):
    """A return (or a refusal) needs a written opinion."""

    code = "rule.opinion_required"


class ContentChangedError(WorkflowError):
    """The content is not what was signed: approvals are bound to a content hash."""

    code = "rule.content_changed"


class NotEditableError(WorkflowError):
    """Content can only be changed while the item is with its drafter."""

    code = "rule.not_editable"


class ActionNotAvailableError(WorkflowError):
    """The action does not exist in the item's current state on its chain."""

    code = "chain.action_not_available"
    http_status = 409


class AuthorizationError(WorkflowError):
    """The actor may not take this action."""

    code = "auth.denied"
    http_status = 403


class RoleRequiredError(AuthorizationError):
    """The actor does not hold the stage's role."""

    code = "auth.role_required"


class SectionScopeError(AuthorizationError):
    """The actor holds the role but not for the item's section."""

    code = "auth.section_scope"


class WrongSectionError(AuthorizationError):
    """The bureau binds this stage to one section (e.g. 局办公室) and the actor is in another."""

    code = "auth.wrong_section"


class NotDrafterError(AuthorizationError):
    """Only the item's own drafter may do this."""

    code = "auth.not_drafter"


class SelfApprovalError(AuthorizationError):
    """A drafter never approves their own item."""

    code = "auth.self_approval"


class InterpreterSectionError(AuthorizationError):
    """谁起草、谁解读: an interpretation is drafted by a section that drafted its policy."""

    code = "auth.interpreter_section"


class DuplicateSignerError(AuthorizationError):
    """One person signs at most one stage of one item."""

    code = "auth.duplicate_signer"


class OverrideNotAllowedError(AuthorizationError):
    """Only an attribute reviewer (保密及公开属性审核人) may override a blocking finding."""

    code = "auth.override_not_allowed"


class OverrideReasonRequiredError(WorkflowError):
    """An override of a blocking finding needs a rule id and a written reason."""

    code = "rule.override_reason_required"


class UnknownOverrideRuleError(WorkflowError):
    """An override names a rule id no enabled check plugin has (misspelled, or its plugin is off)."""

    code = "rule.override_unknown"


class TransitionBlockedError(WorkflowError):
    """A check-phase receiver reported a blocking finding."""

    code = "check.blocked"
    http_status = 422

    def __init__(self, message: str, findings: Sequence[Finding], **details: Any) -> None:
        super().__init__(message, **details)
        self.findings = tuple(findings)


class OutputBlockedError(TransitionBlockedError):
    """The last gate found non-disclosable content in a rendered page or a push payload."""

    code = "check.output_blocked"


class ContentGuardMissingError(WorkflowError):
    """Publishing to a public platform with no content check configured (fail closed)."""

    code = "rule.no_content_guard"
    http_status = 500


class CheckFailedError(WorkflowError):
    """A check-phase receiver raised: the transition fails closed."""

    code = "check.failed"
    http_status = 503


class StorageError(WorkflowError):
    """The database could not do what was asked; nothing was changed.

    The storage layer's errors (:mod:`gongkai_flow.storage.errors`) all derive from it; it lives
    here so that :class:`StaleItemError`, which the engine raises too, can be one of them.
    """

    code = "storage.error"
    http_status = 503


class StaleItemError(StorageError):
    """Someone else changed the item first (optimistic concurrency): reload and try again.

    Raised when the version the user saw (``expected_version``) is not the stored one, and when
    a save loses a race to another transaction. ``details`` carry ``item_id`` and, when known,
    ``expected_version`` and ``current_version``.
    """

    code = "storage.stale_item"
    http_status = 409


class ActorNotFoundError(WorkflowError):
    """The actor directory has no person with that id."""

    code = "directory.actor_not_found"
    http_status = 404


class ActorDirectoryError(DefinitionError):
    """An actor directory file (TOML) is malformed."""

    code = "directory.invalid"


#: What the latest action did, as the sentence 「已被某人于某时……」 ends it.
_DONE_PHRASES: Final = {
    "draft": "起草",
    "edit": "修改",
    "submit": "提交审核",
    "withdraw": "撤回",
    "approve": "审核通过",
    "return": "退回",
    "refer": "报保密部门确定",
    "resume": "恢复审核",
    "classify": "确定涉密",
    "publish": "发布",
    "file": "登记存档",
    "abolish": "废止",
    "expire": "标注失效",
    "retract": "撤下",
}


def book_title(title: str) -> str:
    """``title`` in 书名号, nested ones turned to 〈〉: 《关于印发〈办法〉的通知》."""
    return "《" + title.replace("《", "〈").replace("》", "〉") + "》"


def stale_item(
    title: str,
    item_id: str,
    *,
    expected_version: int | None,
    current_version: int | None,
    latest: AuditEntry | None = None,
) -> StaleItemError:
    """The error of a form that is out of date: who acted meanwhile, what they did, which versions.

    ``latest`` is the newest audit entry (the action that made the current version); without it
    the message says only that someone else handled the item.
    """
    name = book_title(title)
    if current_version is None:
        message = f"{name}已不存在或尚未保存，请刷新后重试。"
    else:
        if latest is not None:
            when = latest.at.astimezone(BUREAU_TZ)
            done = _DONE_PHRASES.get(latest.action, f"执行“{latest.decision}”")
            who = f"{latest.actor_name}（{latest.section}）" if latest.section else latest.actor_name
            by = f"已被{who}于{when.year}年{when.month}月{when.day}日 {when:%H:%M} {done}"
        else:
            by = "已被他人处理"
        seen = f"您看到的是第{expected_version}版，" if expected_version is not None else "您看到的是旧版本，"
        message = f"{name}{by}，{seen}当前为第{current_version}版，请刷新后重试。"
    return StaleItemError(message, item_id=item_id, expected_version=expected_version, current_version=current_version)


def actor_not_found(actor_id: str) -> ActorNotFoundError:
    """The error for an unknown or inactive person, telling the operator how to add them."""
    return ActorNotFoundError(
        f"人员目录中没有编号为“{actor_id}”的人员。请检查编号，或先用 gongkai actors import 导入人员名单。",
        actor_id=actor_id,
    )


class DutyCatalogueError(DefinitionError):
    """The duty catalogue (duties.toml: what must be published, by whom, by when) is unreadable or invalid."""

    code = "duties.invalid"


class DutyNotFoundError(GongkaiFlowError):
    """A duty code that is not in the bureau's catalogue."""

    code = "duties.not_found"
