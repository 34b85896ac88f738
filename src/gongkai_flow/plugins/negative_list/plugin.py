"""The ``negative_list`` plugin: the scanner wired to the check phase of the review chain.

When it checks, and what a blocking finding does there:

=======================================  ==============================================
transition                               findings
=======================================  ==============================================
提交审核 (submit)                          computed and shown to the drafter; a BLOCK finding
                                         is lowered to ``submit_severity`` (default REVIEW)
同意 at 保密及公开属性审核 (``blocking_states``)  BLOCK findings refuse the approval
发布 (publish)                             BLOCK findings refuse the publication
any other                                not checked
=======================================  ==============================================

Content that is not going to a public platform as 主动公开 (依申请公开, 不予公开, or a
platform that is not public) is still checked, but nothing blocks: the rules exist to keep
non-disclosable content off the website. An attribute reviewer may override a blocking
finding with a recorded reason: ``flow.fire(item_id, Action.APPROVE, reviewer, overrides={rule_id:
reason})`` — the engine audits it and honours it at publication for the same content.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, final

import attrs

from ...chain import Action
from ...events import TransitionRequested
from ...model import (
    PUBLIC_FIELDS,
    Attachment,
    BlobReader,
    DisclosureItem,
    Finding,
    Severity,
    compute_content_hash,
    public_texts,
)
from ...signals import transition_requested
from .documents import UNREADABLE, Location, Problem, Segment, read_document
from .scan import LocatedFinding, problem_finding, scan_document, scan_segments
from .scanner import ScanContext, Scanner
from .settings import Settings

if TYPE_CHECKING:
    from .. import PluginRegistry

#: Appended to a blocking finding lowered on submit.
SUBMIT_NOTE: Final = (
    "（提交时仅作提示；保密及公开属性审核和发布时将阻断，须修改或由保密及公开属性审核人填写理由后解除）"
)
#: Appended to a blocking finding on content that is not published as 主动公开.
NOT_PUBLIC_NOTE: Final = "（本信息不在公开平台主动公开，仅作提示）"


def _lower(findings: list[Finding], severity: Severity, note: str) -> list[Finding]:
    return [
        attrs.evolve(f, severity=severity, message=f.message + note) if f.severity is Severity.BLOCK else f
        for f in findings
    ]


def _placed(found: Iterable[LocatedFinding], where: str) -> list[Finding]:
    """Findings from outside the title and body, their message prefixed with where they are."""
    out = []
    for lf in found:
        place = where + (lf.location.label if lf.location.kind not in ("name", "file") else "")
        out.append(attrs.evolve(lf.finding, message=f"{place}：{lf.finding.message}", span=None))
    return out


def _unreadable(scanner: Scanner, attachment: Attachment, reason: str) -> Finding:
    problem = Problem(UNREADABLE, reason, Location("file"))
    found = problem_finding(scanner, attachment.name, problem)
    return attrs.evolve(found.finding, message=f"附件：{found.finding.message}")


def scan_public_content(scanner: Scanner, item: DisclosureItem, blobs: BlobReader | None) -> list[Finding]:
    """Every finding in what of ``item`` reaches the public (:data:`~gongkai_flow.model.PUBLIC_FIELDS`).

    The title and body keep spans into :func:`published_text`; the other public fields and every
    attachment (its name and its contents, read by format) are prefixed with where they are. An
    attachment that cannot be read — no blob store given, bytes missing or not matching their
    SHA-256, a format the readers do not know — is a blocking finding, never "clean".
    """
    context = ScanContext.for_item(item)
    findings = list(scanner.scan_item(item))
    others = [
        Segment(text, Location("field", detail=PUBLIC_FIELDS[name]))
        for name, text in public_texts(item)
        if name not in ("title", "body", "attachments")
    ]
    for lf in scan_segments(scanner, others, context):
        findings.append(attrs.evolve(lf.finding, message=f"{lf.location.label}：{lf.finding.message}", span=None))
    for attachment in item.attachments:
        data = blobs.get_blob(attachment.sha256) if blobs is not None else None
        if data is None:
            findings.append(_unreadable(scanner, attachment, "附件内容无法取得"))
            continue
        if hashlib.sha256(data).hexdigest() != attachment.sha256:
            findings.append(_unreadable(scanner, attachment, "附件内容与其 SHA-256 不符"))
            continue
        document = read_document(data, attachment.name, scanner.settings.limits)
        findings.extend(_placed(scan_document(scanner, document, context), f"附件“{attachment.name}”"))
    return findings


@final
class OutputGuard:
    """The negative list as the last gate: rendered pages and push payloads, with their files."""

    def __init__(self, scanner: Scanner) -> None:
        self.scanner = scanner

    def check_output(
        self,
        item: DisclosureItem,
        parts: Sequence[tuple[str, str]],
        files: Sequence[tuple[Attachment, bytes]],
    ) -> list[Finding]:
        """Findings in the rendered ``parts`` and in ``files``, in the item's context."""
        context = ScanContext.for_item(item)
        found: list[Finding] = []
        for where, text in parts:
            # Read like a file: a rendered page is parsed as HTML, so attribute values count too.
            document = read_document(text.encode("utf-8"), where)
            found.extend(_placed(scan_document(self.scanner, document, context), where))
        for attachment, data in files:
            document = read_document(data, attachment.name, self.scanner.settings.limits)
            found.extend(_placed(scan_document(self.scanner, document, context), f"附件“{attachment.name}”"))
        return found


def default_guard() -> OutputGuard:
    """A last gate with the built-in rules and no bureau allow-lists (for tools run outside a flow)."""
    return OutputGuard(Scanner(Settings.from_config({})))


@final
class RecentScans:
    """The findings of recently scanned public content, by that content.

    An item passes submit, attribute review and publication with the same text; each is checked,
    but the text is scanned once. The key covers everything the scan reads: the SHA-256 of the
    item's content (:func:`~gongkai_flow.model.compute_content_hash`, recomputed from the values,
    never the stored hash; it covers every public field — a test keeps
    :data:`~gongkai_flow.model.PUBLIC_FIELDS` inside :data:`~gongkai_flow.model.CONTENT_FIELDS`) and
    the scan's context. Keys are small, so the memory holds ``size`` items' findings (4,096 by
    default: a bureau's items in flight, submitted in the morning and reviewed in the afternoon,
    are still remembered when their reviewers act). Items with attachments are always scanned
    afresh — their bytes come from a store whose answer can change (missing now, there later),
    and the findings must follow.
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._found: OrderedDict[Hashable, tuple[Finding, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def scan(self, scanner: Scanner, item: DisclosureItem, blobs: BlobReader | None) -> list[Finding]:
        """:func:`scan_public_content`'s findings for ``item``, remembered when it has no attachments."""
        if item.attachments:
            return scan_public_content(scanner, item, blobs)
        key = (compute_content_hash(item), ScanContext.for_item(item))
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
        if found is None:
            found = tuple(scan_public_content(scanner, item, blobs))
            with self._lock:
                self._found[key] = found
                while len(self._found) > self._size:
                    self._found.popitem(last=False)
        return list(found)


def check_transition(
    scanner: Scanner, event: TransitionRequested, scans: RecentScans | None = None
) -> list[Finding] | None:
    """The findings for one requested transition, with the severities of its phase (see module doc).

    ``None`` when this transition is not checked at all, so callers can tell "checked, nothing
    found" (``[]``) from "not looked at". ``scans`` remembers recent content's findings.
    """
    item, action = event.item, event.action
    settings = scanner.settings
    if action is Action.SUBMIT:
        blocking_phase = False
    elif action is Action.PUBLISH or (action is Action.APPROVE and item.state in settings.blocking_states):
        blocking_phase = True
    else:
        return None
    if scans is not None:
        findings = scans.scan(scanner, item, event.blobs)
    else:
        findings = scan_public_content(scanner, item, event.blobs)
    if not blocking_phase:
        return _lower(findings, settings.submit_severity, SUBMIT_NOTE)
    if not ScanContext.for_item(item).goes_public:
        return _lower(findings, Severity.REVIEW, NOT_PUBLIC_NOTE)
    return findings


@final
class NegativeListPlugin:
    """附件1 负面清单: checks every item on submit, at attribute review and at publication."""

    name = "negative_list"

    def setup(self, registry: PluginRegistry, config: Mapping[str, Any]) -> None:
        """Validate ``config`` (see :mod:`.settings`), compile the scanner, connect the check."""
        scanner = Scanner(Settings.from_config(config))
        scans = RecentScans()

        def check(sender: object, *, event: TransitionRequested) -> list[Finding] | None:
            return check_transition(scanner, event, scans)

        registry.connect(transition_requested, check)
        registry.declare_content_guard(self.name, OutputGuard(scanner))
        registry.declare_rules(self.name, scanner.rules)


#: The object the entry point ``negative_list`` names.
plugin = NegativeListPlugin()
