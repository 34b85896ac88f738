"""Domain values: disclosure items, actors, signatures and findings.

Everything here is pure data — frozen attrs classes and enums, no I/O. The fields of
:class:`DisclosureItem` are the fields of the bureau's review form (附件2
《政府信息公开及合规性审核表》); the enums carry the Chinese labels staff see.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import json
import operator
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Final, Literal, Protocol, final

import attrs


class _Labelled(enum.Enum):
    """An enum whose members carry a Chinese label as well as a stable value."""

    label: str

    # Members are singletons compared by identity, so identity is a valid hash; Enum's own hashes
    # the name in a Python method, which roles, platforms and kinds in sets paid on every lookup.
    __hash__ = object.__hash__

    def __new__(cls, value: str, label: str) -> _Labelled:
        obj = object.__new__(cls)
        obj._value_ = value
        obj.label = label
        return obj

    @classmethod
    def from_label(cls, text: str) -> Any:
        """Return the member whose value or Chinese label is ``text``; raise ``KeyError``."""
        for member in cls:
            if text in (member.value, member.label):
                return member
        raise KeyError(text)


class InfoSource(_Labelled):
    """信息来源 — where the information comes from."""

    OWN = "own", "本机关制发"
    REPRINT = "reprint", "转载"
    EXTERNAL = "external", "非本机关"


class DisclosureAttribute(_Labelled):
    """公开属性 — decided when the item is drafted, reviewed by 局办公室."""

    PROACTIVE = "proactive", "主动公开"
    ON_REQUEST = "on_request", "依申请公开"
    WITHHELD = "withheld", "不予公开"


class Platform(_Labelled):
    """发布平台 — an item may go to several."""

    WEBSITE = "website", "网站"
    NEW_MEDIA = "new_media", "新媒体"
    OTHER = "other", "其他"


#: Platforms that the public can read; only 主动公开 items may go there.
PUBLIC_PLATFORMS = frozenset({Platform.WEBSITE, Platform.NEW_MEDIA})


class ItemKind(_Labelled):
    """What sort of information an item is; the kind chooses the review route."""

    POLICY_DOCUMENT = "policy_document", "政策文件"
    POLICY_INTERPRETATION = "policy_interpretation", "政策解读"
    NEWS = "news", "新闻宣传"
    NOTICE = "notice", "通知公告"
    PROPOSAL_REPLY = "proposal_reply", "建议提案办理复文"
    OTHER = "other", "其他"


class Role(_Labelled):
    """The signatures of the review form, as roles the host OA grants to its users."""

    DRAFTER = "drafter", "承办人"
    ATTRIBUTE_REVIEWER = "attribute_reviewer", "保密及公开属性审核人"
    LEGAL_REVIEWER = "legal_reviewer", "法律法规审核人"
    SECTION_HEAD = "section_head", "业务科室负责人"
    LEADER = "leader", "业务分管领导"
    PUBLISHER = "publisher", "信息发布人员"
    REQUEST_OFFICER = "request_officer", "依申请公开经办人"
    DISCLOSURE_HEAD = "disclosure_head", "政府信息公开工作机构负责人"


class NegativeListCategory(_Labelled):
    """The eleven categories of the bureau's negative list (附件1 政务公开负面清单（试行）)."""

    STATE_SECURITY = "c01_security", "危及国家安全、公共安全、经济安全、社会稳定的信息"
    THIRD_PARTY = "c02_third_party", "涉及商业秘密、个人隐私等损害第三方合法权益的信息"
    PROCESS = "c03_process", "过程性信息"
    INTERNAL_MANAGEMENT = "c04_internal_management", "不作为行政管理依据的内部管理信息"
    REQUIRES_PROCESSING = "c05_processing", "需汇总、分析、加工或重新制作的政府信息"
    PETITION = "c06_petition", "信访、举报或咨询类事项"
    CASE_FILE = "c07_case_file", "应当依照有关法律、法规规定查阅的案卷材料"
    ARCHIVE = "c08_archive", "档案信息"
    INTERNAL_UNIT = "c09_internal_unit", "单位内部信息"
    BUSINESS = "c10_business", "业务信息"
    OTHER_PROHIBITED = "c11_other", "其他法律、法规禁止公开的信息"


class Severity(_Labelled):
    """How serious a finding of a check is."""

    BLOCK = "block", "阻断"
    REVIEW = "review", "需人工审核"
    INFO = "info", "提示"


def _coerce(cls: type[_Labelled], value: Any) -> Any:
    """Accept a member of ``cls``, its value or its Chinese label (``None`` passes through)."""
    if value is None or isinstance(value, cls):
        return value
    if isinstance(value, str):
        try:
            return cls.from_label(value)
        except KeyError:
            choices = "、".join(m.label for m in cls)
            raise ValueError(f"“{value}”不是有效的选项（可选：{choices}）") from None
    raise ValueError(f"无法识别的值：{value!r}")


def _to_kind(value: ItemKind | str) -> ItemKind:
    return _coerce(ItemKind, value)  # type: ignore[no-any-return]


def _to_source(value: InfoSource | str) -> InfoSource:
    return _coerce(InfoSource, value)  # type: ignore[no-any-return]


def _to_attribute(value: DisclosureAttribute | str | None) -> DisclosureAttribute | None:
    return _coerce(DisclosureAttribute, value)  # type: ignore[no-any-return]


def _to_category(value: NegativeListCategory | str | None) -> NegativeListCategory | None:
    return _coerce(NegativeListCategory, value)  # type: ignore[no-any-return]


def _frozen_platforms(value: Iterable[Platform | str] | Platform | str) -> frozenset[Platform]:
    if isinstance(value, str | Platform):
        value = [value]
    return frozenset(_coerce(Platform, v) for v in value)


def _frozen_str(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


def _frozen_roles(value: Iterable[Role | str]) -> frozenset[Role]:
    return frozenset(_coerce(Role, v) for v in value)


def _tuple_of_str(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@final
@attrs.frozen
class Actor:
    """A person acting in the chain, as the host OA knows them.

    The library authorizes, it does not authenticate: the host vouches for the identity.
    ``in_charge_of`` names the sections a 业务分管领导 is in charge of.
    """

    id: str
    name: str
    section: str
    roles: frozenset[Role] = attrs.field(converter=_frozen_roles, factory=frozenset)
    in_charge_of: frozenset[str] = attrs.field(converter=_frozen_str, factory=frozenset)

    def has_role(self, role: Role) -> bool:
        """Whether the host granted this actor ``role``."""
        return role in self.roles


@final
@attrs.frozen
class Signature:
    """One signature on the review form: who approved which stage, seeing which content."""

    stage: str
    role: Role
    actor_id: str
    actor_name: str
    section: str
    content_hash: str
    at: datetime
    opinion: str | None = None


@final
@attrs.frozen
class ReturnMark:
    """Remembers who returned an item, from which stage and which content they saw."""

    stage: str
    actor_id: str
    content_hash: str
    opinion: str


@final
@attrs.frozen
class Finding:
    """What a check found in an item: produced by check-phase receivers (e.g. the negative list)."""

    rule_id: str
    severity: Severity
    message: str
    rule_version: str = "1"
    category: NegativeListCategory | None = None
    span: tuple[int, int] | None = None
    excerpt: str | None = None
    legal_basis: str | None = None

    @property
    def blocking(self) -> bool:
        """Whether this finding stops a transition."""
        return self.severity is Severity.BLOCK


@final
@attrs.frozen
class Override:
    """An attribute reviewer let the blocking findings of one rule pass, with a recorded reason.

    Bound to the content it was given for: later stages (publication) honour it only while the
    item's content hash is still ``content_hash``. ``message`` says what was overridden.
    """

    rule_id: str
    reason: str
    actor_id: str
    actor_name: str
    stage: str
    content_hash: str
    at: datetime
    message: str = ""


class BlobReader(Protocol):
    """Reads attachment bytes by SHA-256 (what a content check needs of a blob store)."""

    def get_blob(self, sha256: str) -> bytes | None:
        """The bytes stored under ``sha256``, or ``None``."""


class ContentGuard(Protocol):
    """Checks what is about to reach the public (a content plugin such as ``negative_list``).

    ``parts`` are the texts as rendered or sent, each with where it appears (e.g. 门户网站页面,
    推送内容); ``files`` the attachments with their bytes. The findings use the item's own context
    (主动公开 on a public platform blocks). A guard that cannot read something reports a blocking
    finding — it never returns "clean" for what it did not look at.
    """

    def check_output(
        self,
        item: DisclosureItem,
        parts: Sequence[tuple[str, str]],
        files: Sequence[tuple[Attachment, bytes]],
    ) -> list[Finding]:
        """The findings in what is about to be published."""


_SHA256_HEX: Final = frozenset("0123456789abcdef")


def _attachment_name(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise ValueError("附件名称不能为空，也不能以空白开头或结尾")
    if any(c in value for c in "/\\\x00") or value in {".", ".."}:
        raise ValueError(f"附件名称“{value}”不能包含路径分隔符")


def _sha256_hex(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if len(value) != 64 or not set(value) <= _SHA256_HEX:
        raise ValueError("附件摘要须为 64 位小写十六进制 SHA-256")


@final
@attrs.frozen
class Attachment:
    """A file attached to an item (附件): its name, media type, size and SHA-256.

    The bytes live in a content-addressed blob store (``repo.blob_store()``), keyed by ``sha256``;
    the item carries only this description, which is part of its content hash — so every
    signature binds to the files too, and a replaced file voids the signatures like a changed body.
    """

    name: str = attrs.field(validator=_attachment_name)
    media_type: str
    size: int = attrs.field(validator=attrs.validators.ge(0))
    sha256: str = attrs.field(validator=_sha256_hex)


def _attachments(value: Iterable[Attachment]) -> tuple[Attachment, ...]:
    found = tuple(value)
    if not all(isinstance(a, Attachment) for a in found):
        raise TypeError("附件须为 Attachment")
    names = [a.name for a in found]
    if len(set(names)) != len(names):
        raise ValueError("同一信息的附件名称不能重复")
    return found


#: The fields whose values make up an item's content: a change to any voids earlier approvals.
CONTENT_FIELDS: tuple[str, ...] = (
    "title",
    "kind",
    "body",
    "source",
    "source_name",
    "classified",
    "attribute",
    "withheld_category",
    "withheld_reason",
    "platforms",
    "column",
    "sections",
    "policy_id",
    "document_number",
    "attachments",
    "normative",
)

#: What of an item reaches the public — the portal renders it, the website push sends it, and the
#: negative-list check scans it — with the label a clerk reads in a finding. Attachments reach the
#: public with their names and their contents. Every other field is declared in
#: :data:`INTERNAL_FIELDS`; a test keeps the two covering every field, so a new field cannot reach
#: a page or a payload without being scanned.
PUBLIC_FIELDS: Final[dict[str, str]] = {
    "title": "信息名称",
    "body": "正文",
    "column": "发布栏目",
    "document_number": "文号",
    "source_name": "转载来源",
    "attachments": "附件",
}

#: Fields that never reach the public (workflow state, internal review data, ids).
INTERNAL_FIELDS: Final = frozenset(
    {
        "id",
        "kind",
        "drafter_id",
        "sections",
        "source",
        "classified",
        "attribute",
        "withheld_category",
        "withheld_reason",
        "platforms",
        "policy_id",
        # 是否行政规范性文件: a yes/no the reviewers and the annual report read; no text to scan.
        "normative",
        "formed_on",
        "created_at",
        "published_at",
        "state",
        "chain_id",
        "chain_version",
        "version",
        "content_hash",
        "signatures",
        "returned",
        "overrides",
        "duty_tags",
    }
)


def public_texts(item: DisclosureItem) -> list[tuple[str, str]]:
    """The item's public text, field by field, as (field name, text): what must be scanned.

    Attachment *names* are included (one entry each, field ``attachments``); their contents are
    read from the blob store by whoever scans them.
    """
    out: list[tuple[str, str]] = []
    for name in PUBLIC_FIELDS:
        if name == "attachments":
            out.extend(("attachments", a.name) for a in item.attachments)
            continue
        value = getattr(item, name)
        if value:
            out.append((name, str(value)))
    return out


@final
@attrs.frozen(slots=False)  # a __dict__ lets the engine copy an item in one step (see engine._replace)
class DisclosureItem:
    """One piece of government information on its way through the review chain.

    The content fields mirror 附件2: 信息名称 (``title``), 信息来源 (``source`` and, for 转载,
    ``source_name``), 是否涉密 (``classified``), 公开属性 (``attribute``; for 不予公开 also
    ``withheld_category`` and ``withheld_reason``), 发布平台 (``platforms``) and 发布栏目
    (``column``). ``sections`` are the responsible sections, the lead section first. A 政策文件
    states whether it is a 行政规范性文件 (``normative``; ``None`` while not stated).
    The workflow fields (``state``, ``chain_*``, ``version``, ``signatures``…) are maintained by
    the engine; change content only through :meth:`Workflow.edit`.

    Besides the fields, the instance ``__dict__`` may hold what the engine computed for the
    content (its hash, that its form passed), each with the content it was computed for: never
    compared, shown, stored or carried over by ``attrs.evolve``, and recomputed when the content
    differs.
    """

    id: str
    title: str
    kind: ItemKind = attrs.field(converter=_to_kind)
    body: str
    drafter_id: str
    sections: tuple[str, ...] = attrs.field(converter=_tuple_of_str)
    source: InfoSource = attrs.field(converter=_to_source, default=InfoSource.OWN)
    source_name: str | None = None
    classified: bool = False
    attribute: DisclosureAttribute | None = attrs.field(converter=_to_attribute, default=None)
    withheld_category: NegativeListCategory | None = attrs.field(converter=_to_category, default=None)
    withheld_reason: str | None = None
    platforms: frozenset[Platform] = attrs.field(
        converter=_frozen_platforms, factory=lambda: frozenset({Platform.WEBSITE})
    )
    column: str = ""
    policy_id: str | None = None
    document_number: str | None = None
    #: 是否行政规范性文件 (政策文件 only; ``None`` when not stated): the annual report counts only
    #: normative 政策文件 as 行政规范性文件.
    normative: bool | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(bool))
    )
    formed_on: date | None = None
    #: 附件: described here, their bytes in the blob store; part of the content hash.
    attachments: tuple[Attachment, ...] = attrs.field(converter=_attachments, default=())
    created_at: datetime | None = None
    published_at: datetime | None = None
    # Workflow state, kept by the engine.
    state: str = "drafted"
    chain_id: str = "default"
    chain_version: int = 1
    version: int = 0
    content_hash: str = ""
    signatures: tuple[Signature, ...] = ()
    returned: ReturnMark | None = None
    overrides: tuple[Override, ...] = ()
    #: The duties of the catalogue this item fulfils once published, as ``"CODE@PERIOD"``
    #: (see ``docs/duties.md``); internal, and not part of the signed content.
    duty_tags: tuple[str, ...] = attrs.field(converter=_tuple_of_str, default=())

    @property
    def lead_section(self) -> str:
        """The section that drafted the item (主办科室)."""
        return self.sections[0]

    def signature_for(self, stage: str) -> tuple[Signature, ...]:
        """The signatures recorded for ``stage`` (several for a joint section review)."""
        return tuple(s for s in self.signatures if s.stage == stage)


def _value(member: enum.Enum | None) -> Any:
    return None if member is None else member.value


#: The content values of an item's ``__dict__`` (where its fields live), in :data:`CONTENT_FIELDS`
#: order: one C call of 16 dict lookups, a third of the cost of 16 attribute reads.
_content_values: Final = operator.itemgetter(*CONTENT_FIELDS)

#: Where an item keeps the content hash computed for it, in its ``__dict__`` (not a field: it is
#: not compared, shown, copied by ``attrs.evolve`` or stored): ``(content values, hash)``.
_MEMO: Final = "_content_memo"


def compute_content_hash(item: DisclosureItem) -> str:
    """SHA-256 over the item's content fields, in a fixed order and an unambiguous encoding.

    The fields of :data:`CONTENT_FIELDS` but the body, in that order, are encoded as one JSON array
    (strings quoted and escaped, lists kept as lists, ``None`` as ``null``) that also carries the
    body's length; the body's bytes follow. No two different contents share an encoding.

    The hash is kept on the item with the content values it was computed from, and reused only
    while the item's content values are still those (the same objects, or equal ones): the
    engine's successor items share their predecessor's content objects and its memo, so a chain
    of transitions hashes the content once, however many items are in flight, and any change of
    content — a new body or attachment, even one forced into the frozen item — is hashed afresh.
    """
    state = item.__dict__
    values: tuple[Any, ...] = _content_values(state)
    memo = state.get(_MEMO)
    # Tuple equality compares element by element, identity first: the same objects cost no __eq__.
    if memo is not None and memo[0] == values:
        digest: str = memo[1]
        return digest
    digest = _content_hash(values)
    state[_MEMO] = (values, digest)
    return digest


@functools.lru_cache(maxsize=1024)
def _content_hash(values: tuple[Any, ...]) -> str:
    # Memoised on the field values themselves (equal values, equal hash): an item is hashed at
    # draft, submit and publish, and CPython caches each string's own hash, so a hit is cheap.
    (title, kind, body, source, source_name, classified, attribute, category, reason, platforms, *rest) = values
    column, sections, policy_id, document_number, attachments, normative = rest
    data = body.encode("utf-8", "surrogatepass")  # a lone surrogate must hash, not crash
    header: list[Any] = [
        title,
        kind.value,
        len(data),
        source.value,
        source_name,
        classified,
        _value(attribute),
        _value(category),
        reason,
        sorted(p.value for p in platforms),
        column,
        sections,
        policy_id,
        document_number,
    ]
    if attachments:
        # Appended only when present, so items without attachments keep the hashes they were signed with.
        header.append([[a.name, a.media_type, a.size, a.sha256] for a in attachments])
    if normative is not None:
        # Likewise appended only when stated; after the attachments' list (empty or not), so the
        # header's length tells which fields it carries.
        if not attachments:
            header.append([])
        header.append(normative)
    digest = hashlib.sha256(
        json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    )
    digest.update(b"\n")
    digest.update(data)
    return digest.hexdigest()


@final
@attrs.frozen
class AuditEntry:
    """One line of an item's audit trail: every action appends one, signed or not.

    ``signed`` entries are the signatures of the review form (附件2). Storage adds the
    position and the hash chain; the engine fills in everything else. ``at`` is when the action
    was recorded; ``occurred_on``, when set, the (Beijing) day it happened — an application's
    receipt, 补正 or consultation is often recorded days after it took place, and its clocks
    count from the day it took place.
    """

    item_id: str
    action: str
    actor_id: str
    actor_name: str
    role: Role | None
    section: str
    from_state: str
    to_state: str
    decision: str
    content_hash: str
    at: datetime
    event_id: str
    opinion: str | None = None
    signed: bool = False
    overrides: tuple[Override, ...] = ()
    occurred_on: date | None = None


def form_signatures(entries: Iterable[AuditEntry], content_hash: str) -> dict[str, list[AuditEntry]]:
    """The review form's signatures, read from an audit trail.

    For each stage, the latest signed entries bound to ``content_hash`` (the content that was
    published or filed): signatures given to an earlier version of the content are void.
    A joint section review keeps one signature per section.
    """
    by_stage: dict[str, dict[str, AuditEntry]] = {}
    for entry in entries:
        if entry.signed and entry.content_hash == content_hash:
            by_stage.setdefault(entry.from_state, {})[entry.section] = entry
    return {stage: list(by_section.values()) for stage, by_section in by_stage.items()}


# --- audit verification results (computed by storage, read by everyone) -------------------------

ProblemKind = Literal["edited", "deleted", "inserted", "reordered", "duplicated", "mismatch", "missing"]

_KIND_LABELS: Final[dict[str, str]] = {
    "edited": "被篡改",
    "deleted": "被删除",
    "inserted": "被插入",
    "reordered": "顺序被调换",
    "duplicated": "被复制",
    "mismatch": "与审核记录不符",
    "missing": "整条被删除",
}

#: What an audited subject is called in a report line.
SUBJECT_LABELS: Final[dict[str, str]] = {
    "item": "信息",
    "application": "依申请公开申请",
    "record": "年报记录",
    "timer": "法定时限",
    "ledger": "全库哈希链",
}


@final
@attrs.frozen
class AuditRecord:
    """An audit entry as stored: its position in the item's trail and its links."""

    position: int
    entry: AuditEntry
    prev_hash: str
    hash: str
    row_id: int = 0


@final
@attrs.frozen
class AuditProblem:
    """One finding of the audit verification: what happened to which entry of which subject.

    ``subject`` says what ``item_id`` names (an item, an application, a report record, a timer,
    or the database-wide chain, see :data:`SUBJECT_LABELS`). A ``mismatch`` names the ``field``
    of the stored row that disagrees with what the audit trail says, with both values.
    """

    item_id: str
    position: int
    kind: ProblemKind
    detail: str
    subject: str = "item"
    field: str | None = None
    row_value: str | None = None
    audit_value: str | None = None

    @property
    def message(self) -> str:
        """One Chinese line for the operator."""
        what = SUBJECT_LABELS.get(self.subject, self.subject)
        if self.kind == "mismatch":
            return (
                f"{what} {self.item_id} 的“{self.field}”{_KIND_LABELS[self.kind]}：{self.detail}"
                f"（数据行：{self.row_value}；审核记录：{self.audit_value}）"
            )
        if self.kind == "missing" or self.position == 0:
            return f"{what} {self.item_id} {_KIND_LABELS[self.kind]}：{self.detail}"
        return f"{what} {self.item_id} 的第 {self.position} 条审核记录{_KIND_LABELS[self.kind]}：{self.detail}"


@final
@attrs.frozen
class AuditReport:
    """What ``audit verify`` found over a set of items."""

    items_checked: int
    entries_checked: int
    problems: tuple[AuditProblem, ...] = ()
    applications_checked: int = 0
    records_checked: int = 0
    timers_checked: int = 0
    #: Audit rows on the database-wide chain, and anchors it was checked against.
    linked: int = 0
    anchors_checked: int = 0

    def __add__(self, other: AuditReport) -> AuditReport:
        """Both reports' counts and problems together."""
        return AuditReport(
            self.items_checked + other.items_checked,
            self.entries_checked + other.entries_checked,
            self.problems + other.problems,
            self.applications_checked + other.applications_checked,
            self.records_checked + other.records_checked,
            self.timers_checked + other.timers_checked,
            self.linked + other.linked,
            self.anchors_checked + other.anchors_checked,
        )

    @property
    def ok(self) -> bool:
        """Whether every chain is intact."""
        return not self.problems
