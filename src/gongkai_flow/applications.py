"""The values of a 依申请公开 application: how it arrived, who applied, how it was answered.

Plain frozen values and their JSON documents, so that storage can persist an application without
importing the request workflow (:mod:`gongkai_flow.requests`). The sources of the receipt-date
rules, the reply categories and the annual report's rows are in ``docs/legal-basis.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, Final, final

import attrs

from .errors import WorkflowError
from .model import _Labelled

__all__ = [
    "ApplicantType",
    "Application",
    "ApplicationNotFoundError",
    "Channel",
    "DenyReason",
    "ReplyCategory",
    "application_doc",
    "application_from_doc",
]


class Channel(_Labelled):
    """How an application arrived; decides the receipt date (条例第31条)."""

    IN_PERSON = "in_person", "当面提交"
    POST_SIGNED = "post_signed", "邮寄（需签收）"
    POST_UNSIGNED = "post_unsigned", "平信邮寄（无需签收）"
    ONLINE = "online", "互联网渠道"
    FAX = "fax", "传真"


class ApplicantType(_Labelled):
    """The annual report's applicant columns (表三)."""

    NATURAL_PERSON = "natural_person", "自然人"
    COMMERCIAL = "commercial", "商业企业"
    RESEARCH = "research", "科研机构"
    PUBLIC_INTEREST = "public_interest", "社会公益组织"
    LEGAL_SERVICE = "legal_service", "法律服务机构"
    OTHER_ORG = "other_org", "其他"


class ReplyCategory(_Labelled):
    """How an application was answered; the value names the article it rests on."""

    ALREADY_PUBLIC = "a1_already_public", "已主动公开，告知获取方式（第36条第1项）"
    DISCLOSE = "a2_disclose", "予以公开（第36条第2项）"
    PARTIAL = "partial", "部分公开（区分处理，第37条）"
    DENY = "a3_deny", "不予公开（第36条第3项）"
    NOT_EXIST = "a4_not_exist", "信息不存在（第36条第4项）"
    NOT_OURS = "a5_not_ours", "不属于本机关负责公开（第36条第5项）"
    DUPLICATE = "a6_duplicate", "重复申请，不予重复处理（第36条第6项）"
    SPECIAL_LAW = "a7_special_law", "依照有关法律、行政法规办理（第36条第7项）"
    NEEDS_PROCESSING = "art38_processing", "需加工、分析，不予提供（第38条）"
    UNCLEAR_AFTER_CORRECTION = "unclear_after_correction", "补正后申请内容仍不明确"
    PETITION = "art39_petition", "信访、投诉、举报，不作为信息公开申请处理（第39条第1款）"
    PUBLICATION = "art39_publication", "要求提供公开出版物（第39条第2款）"
    EXCESSIVE = "art35_excessive", "无正当理由大量、频繁申请（第35条）"
    CONFIRM_OR_REISSUE = "confirm_or_reissue", "要求确认或重新出具已获取信息"
    NO_CORRECTION = "no_correction", "逾期未补正，视为放弃（第30条）"
    NO_FEE = "no_fee", "逾期未缴纳信息处理费，视为放弃"


class DenyReason(_Labelled):
    """The eight 不予公开 rows of the annual report (表三 三（三）)."""

    STATE_SECRET = "state_secret", "属于国家秘密"
    LAW_PROHIBITS = "law_prohibits", "其他法律行政法规禁止公开"
    SECURITY = "security", "危及“三安全一稳定”"
    THIRD_PARTY = "third_party", "保护第三方合法权益"
    INTERNAL_AFFAIRS = "internal_affairs", "属于三类内部事务信息"
    PROCESS = "process", "属于四类过程性信息"
    CASE_FILE = "case_file", "属于行政执法案卷"
    ADMIN_QUERY = "admin_query", "属于行政查询事项"


def _strs(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@final
@attrs.frozen
class Application:
    """One 依申请公开 application (条例第29条: who, what, how to deliver).

    The workflow fields (``state``, ``chain_*``, ``version``) are kept by the request workflow;
    the reply fields are filled when it is answered.
    """

    id: str
    applicant_name: str
    applicant_type: ApplicantType
    contact: str
    description: str
    channel: Channel
    received_on: date
    delivery: str = "电子邮件"
    id_document: str = ""
    sections: tuple[str, ...] = attrs.field(converter=_strs, default=())
    state: str = "registered"
    chain_id: str = "request"
    chain_version: int = 1
    version: int = 0
    registered_at: datetime | None = None
    corrected_on: date | None = None
    reply_category: ReplyCategory | None = None
    deny_reason: DenyReason | None = None
    reply_text: str | None = None
    remedy: str | None = None
    replied_at: datetime | None = None
    extended_days: int = 0
    consultations: int = 0
    #: ``"third_party"`` (条例第32条) or ``"co_author"`` (第34条) while consulting.
    consulting: str | None = None
    #: The 主动公开 item several applications were turned into (条例第44条).
    linked_item_id: str | None = None
    review_first: bool | None = None
    #: The day the latest action happened (receipt, 补正, consultation, extension…); the next
    #: action cannot have happened earlier. ``None`` on applications stored before it was kept.
    last_action_on: date | None = None


class ApplicationNotFoundError(WorkflowError):
    """No application with that id."""

    code = "request.not_found"
    http_status = 404


_ENUM_FIELDS: Final[dict[str, type[_Labelled]]] = {
    "applicant_type": ApplicantType,
    "channel": Channel,
    "reply_category": ReplyCategory,
    "deny_reason": DenyReason,
}
_DATE_FIELDS: Final = ("received_on", "corrected_on", "last_action_on")
_DATETIME_FIELDS: Final = ("registered_at", "replied_at")


def application_doc(application: Application) -> dict[str, Any]:
    """The application as a JSON document (enum values, ISO dates), read by :func:`application_from_doc`."""
    doc: dict[str, Any] = {}
    for field in attrs.fields(Application):
        value = getattr(application, field.name)
        if isinstance(value, _Labelled):
            value = value.value
        elif isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        doc[field.name] = value
    return doc


def application_from_doc(doc: Mapping[str, Any]) -> Application:
    """Rebuild an application from :func:`application_doc`'s document."""
    data = dict(doc)
    for name, cls in _ENUM_FIELDS.items():
        if data.get(name) is not None:
            data[name] = cls._value2member_map_[data[name]]
    for name in _DATE_FIELDS:
        if data.get(name) is not None:
            data[name] = date.fromisoformat(data[name])
    for name in _DATETIME_FIELDS:
        if data.get(name) is not None:
            data[name] = datetime.fromisoformat(data[name])
    return Application(**data)
