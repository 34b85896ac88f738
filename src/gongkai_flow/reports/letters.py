"""Formal reply letters (告知书) for 依申请公开, as HTML and Word (.docx).

A letter is built from an :class:`~gongkai_flow.requests.Application` that has been answered and
the bureau's configuration: the receipt, the decision with the ground it rests on — the articles
of 《中华人民共和国政府信息公开条例》 in Chinese numerals (第三十六条第三项, 第十六条第二款 for
process information; a 第三十八条 reply also cites category （五） of the bureau's negative list
with the basis 附件1 gives) —, for a 第三十九条 reply the channel to use instead, the remedy paragraph
valid on the reply date (from 2024-01-01 a refusal goes to administrative review first), and the
bureau's name and the date as formal documents write them (2019年9月20日).

:func:`reply_letter` gives the letter as data (:class:`ReplyLetter`: title, paragraphs, signature);
:func:`letter_html` renders it through a Jinja2 template, :func:`letter_docx` through python-docx.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final, final

import attrs

from ..bureau import BureauConfig, default_bureau
from ..errors import WorkflowError
from ..requests import ApplicantType, Application, DenyReason, ReplyCategory, remedy_for
from ..text import BEIJING, article_text, formal_date, quote_title

#: The law every letter cites, by its full name.
LAW: Final = quote_title("中华人民共和国政府信息公开条例")


class LetterNotReadyError(WorkflowError):
    """The application has not been answered yet: there is no decision to put in a letter."""

    code = "request.letter_not_ready"


@final
@attrs.frozen
class Ground:
    """An article of the 条例 a decision rests on."""

    article: int
    paragraph: int | None = None
    item: int | None = None

    @property
    def text(self) -> str:
        """``第三十六条第三项`` and the like."""
        return article_text(self.article, self.paragraph, self.item)


@final
@attrs.frozen
class _Decision:
    finding: str
    grounds: tuple[Ground, ...]
    outcome: str


# What the bureau found, the articles it rests on, and what follows (条例第三十条、第三十五至三十九条).
_DECISIONS: Final[dict[ReplyCategory, _Decision]] = {
    ReplyCategory.ALREADY_PUBLIC: _Decision(
        "您申请获取的政府信息已经主动公开",
        (Ground(36, item=1),),
        "本机关告知您获取该政府信息的方式和途径：可在本机关门户网站“政府信息公开”专栏查阅",
    ),
    ReplyCategory.DISCLOSE: _Decision(
        "您申请获取的政府信息属于公开范围", (Ground(36, item=2),), "本机关向您提供该政府信息"
    ),
    ReplyCategory.PARTIAL: _Decision(
        "您申请获取的政府信息中含有不应当公开或者不属于政府信息的内容，但能够作区分处理",
        (Ground(37),),
        "本机关向您提供可以公开的政府信息内容，并对不予公开的内容说明理由",
    ),
    ReplyCategory.DENY: _Decision("您申请获取的政府信息依法不予公开", (Ground(36, item=3),), "本机关决定不予公开"),
    ReplyCategory.NOT_EXIST: _Decision(
        "经检索，本机关未制作或者获取您申请的政府信息", (Ground(36, item=4),), "本机关告知您该政府信息不存在"
    ),
    ReplyCategory.NOT_OURS: _Decision(
        "您申请获取的政府信息不属于本机关负责公开",
        (Ground(36, item=5),),
        "能够确定负责公开该政府信息的行政机关的，本机关告知您该行政机关的名称、联系方式",
    ),
    ReplyCategory.DUPLICATE: _Decision(
        "您重复申请公开本机关已经答复的政府信息", (Ground(36, item=6),), "本机关不予重复处理"
    ),
    ReplyCategory.SPECIAL_LAW: _Decision(
        "您申请获取的信息，有关法律、行政法规对信息的获取有特别规定",
        (Ground(36, item=7),),
        "请您依照有关法律、行政法规的规定办理",
    ),
    ReplyCategory.NEEDS_PROCESSING: _Decision(
        "您申请获取的政府信息需要本机关对现有政府信息进行加工、分析", (Ground(38),), "本机关不予提供"
    ),
    ReplyCategory.UNCLEAR_AFTER_CORRECTION: _Decision(
        "您的申请内容经补正后仍不明确，本机关无法确定您所需的政府信息",
        (Ground(30),),
        "本机关无法按照您的申请提供政府信息",
    ),
    ReplyCategory.PETITION: _Decision(
        "您以政府信息公开申请的形式提出的是信访、投诉、举报事项",
        (Ground(39, paragraph=1),),
        "本机关不作为政府信息公开申请处理",
    ),
    ReplyCategory.PUBLICATION: _Decision(
        "您申请获取的是政府公报、报刊、书籍等公开出版物",
        (Ground(39, paragraph=2),),
        "本机关告知您获取的途径：可通过公开发行渠道或各级公共图书馆、档案馆查阅",
    ),
    ReplyCategory.EXCESSIVE: _Decision(
        "您申请公开政府信息的数量、频次明显超过合理范围，且未能说明理由",
        (Ground(35),),
        "本机关不予处理",
    ),
    ReplyCategory.CONFIRM_OR_REISSUE: _Decision(
        "您要求本机关确认或者重新出具已经获取的政府信息，不属于申请获取政府信息",
        (Ground(2),),
        "本机关不作为政府信息公开申请处理",
    ),
    ReplyCategory.NO_CORRECTION: _Decision(
        "本机关已告知您补正申请，您无正当理由逾期未补正", (Ground(30),), "视为您放弃申请，本机关不再处理"
    ),
    ReplyCategory.NO_FEE: _Decision(
        "本机关已告知您缴纳信息处理费，您逾期未缴纳", (Ground(42, paragraph=1),), "视为您放弃申请，本机关不再处理"
    ),
}

# Why information is withheld, and the article that says so (条例第十四条至第十六条).
_DENIALS: Final[dict[DenyReason, tuple[str, tuple[Ground, ...]]]] = {
    DenyReason.STATE_SECRET: ("属于依法确定为国家秘密的政府信息", (Ground(14),)),
    DenyReason.LAW_PROHIBITS: ("属于法律、行政法规禁止公开的政府信息", (Ground(14),)),
    DenyReason.SECURITY: ("公开后可能危及国家安全、公共安全、经济安全、社会稳定", (Ground(14),)),
    DenyReason.THIRD_PARTY: ("涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害", (Ground(15),)),
    DenyReason.INTERNAL_AFFAIRS: (
        "属于行政机关的内部事务信息（人事管理、后勤管理、内部工作流程等）",
        (Ground(16, paragraph=1),),
    ),
    DenyReason.PROCESS: (
        "属于行政机关在履行行政管理职能过程中形成的讨论记录、过程稿、磋商信函、请示报告等过程性信息",
        (Ground(16, paragraph=2),),
    ),
    DenyReason.CASE_FILE: ("属于行政执法案卷信息", (Ground(16, paragraph=2),)),
    DenyReason.ADMIN_QUERY: ("属于行政查询事项，不属于政府信息公开的范围", ()),
}

#: Category （五） of the bureau's negative list (附件1) is a ground for a reply, not text a check can
#: find: a 第三十八条 reply cites it with the basis 附件1 gives, word for word.
PROCESSING_CATEGORY: Final = ("（五）", "需汇总、分析、加工或重新制作的政府信息")
PROCESSING_BASIS: Final[tuple[tuple[str, str], ...]] = (
    (
        "《山东省政府信息公开办法》第十条第二款",
        "行政机关一般不承担为申请人汇总、加工或者重新制作政府信息，以及向其他行政机关和公民、法人或者其他组织"
        "搜集信息的义务。",
    ),
    (
        "国务院办公厅《关于做好政府信息依申请公开工作的意见》（国办发〔2010〕5号）第二条第三项",
        "行政机关向申请人提供的政府信息，应当是现有的，一般不需要行政机关汇总、加工或重新制作（作区分处理的除外）。",
    ),
)

#: Where a 信访、投诉、举报 belongs (第三十九条第一款), unless the caller names the bureau's own channels.
DEFAULT_CHANNELS: Final[dict[str, str]] = {
    "信访": "依照《信访工作条例》向本机关信访工作机构提出，或通过网上信访平台提出",
    "投诉": "拨打12345政务服务便民热线或12333人力资源和社会保障服务热线提出",
    "举报": "向本机关劳动保障监察机构或有关主管部门的举报渠道提出",
}


@final
@attrs.frozen
class ReplyLetter:
    """A reply letter as data: what any renderer lays out, in order."""

    title: str
    number: str
    addressee: str
    paragraphs: tuple[str, ...]
    signature: str
    date_text: str
    grounds: tuple[str, ...]
    review_first: bool
    #: The negative-list category the reply rests on too, e.g. ``（五）需汇总、分析、加工或重新制作的政府信息``.
    list_category: str = ""
    #: That category's basis as 附件1 cites it (the 条例's articles are in ``grounds``).
    list_basis: tuple[str, ...] = ()


def _applicant(app: Application) -> str:
    return "您" if app.applicant_type is ApplicantType.NATURAL_PERSON else "贵单位"


def reply_letter(
    application: Application,
    bureau: BureauConfig | None = None,
    *,
    channels: Mapping[str, str] | None = None,
) -> ReplyLetter:
    """The reply letter of an answered application; ``LetterNotReadyError`` if it is unanswered.

    ``bureau`` (default: the packaged configuration) gives the bureau's name and, when the stored
    reply carries no remedy, the review body and court; ``channels`` (``信访``/``投诉``/``举报`` →
    where to go) replaces :data:`DEFAULT_CHANNELS` in a 第三十九条 reply.
    """
    app = application
    office = bureau if bureau is not None else default_bureau()
    if app.reply_category is None or app.replied_at is None:
        raise LetterNotReadyError(f"申请“{app.id}”尚未答复，不能生成答复告知书。", item_id=app.id)
    replied_on = app.replied_at.astimezone(BEIJING).date()
    decision = _DECISIONS[app.reply_category]
    grounds = decision.grounds
    finding = decision.finding
    if app.reply_category is ReplyCategory.DENY and app.deny_reason is not None:
        why, extra = _DENIALS[app.deny_reason]
        finding = f"您申请获取的政府信息{why}"
        grounds = (*extra, *grounds)
    you = _applicant(app)
    cited = "、".join(g.text for g in grounds)
    paragraphs = [
        f"本机关于{formal_date(app.received_on)}收到{you}提出的政府信息公开申请，申请获取“{app.description}”。",
        f"经审查，{finding.replace('您', you)}。根据{LAW}{cited}的规定，{decision.outcome.replace('您', you)}。",
    ]
    list_category = ""
    list_basis: tuple[str, ...] = ()
    if app.reply_category is ReplyCategory.NEEDS_PROCESSING:
        number, name = PROCESSING_CATEGORY
        list_category, list_basis = f"{number}{name}", tuple(c for c, _ in PROCESSING_BASIS)
        basis = "；".join(f"{citation}规定：“{text}”" for citation, text in PROCESSING_BASIS)
        paragraphs.append(f"{you}申请获取的信息属于本机关政府信息公开负面清单第{number}类“{name}”。{basis}")
    if app.reply_category is ReplyCategory.PETITION:
        ways = {**DEFAULT_CHANNELS, **(channels or {})}
        listed = "；".join(f"{kind}事项，请{where}" for kind, where in ways.items())
        paragraphs.append(f"{you}反映的事项，请通过相应渠道提出：{listed}。")
    remedy = (
        app.remedy
        or remedy_for(app.reply_category, replied_on, review_body=office.review_body, court=office.court).text
    )
    paragraphs.append(remedy)
    paragraphs.append("特此告知。")
    review_first = bool(app.review_first) if app.review_first is not None else "对行政复议决定不服" in remedy
    return ReplyLetter(
        title="政府信息公开申请答复告知书",
        number=f"编号：{app.id}",
        addressee=f"{app.applicant_name}：",
        paragraphs=tuple(paragraphs),
        signature=office.name,
        date_text=formal_date(replied_on),
        grounds=tuple(g.text for g in grounds),
        review_first=review_first,
        list_category=list_category,
        list_basis=list_basis,
    )


def letter_html(letter: ReplyLetter) -> str:
    """The letter as a standalone HTML page (Jinja2 template ``letter.html``, autoescaped)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("gongkai_flow.reports", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("letter.html").render(letter=letter)


def letter_docx(letter: ReplyLetter, path: str | Path) -> Path:
    """Write the letter as a Word document: title, number, addressee, paragraphs, signature, date."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(letter.title)
    run.bold = True
    run.font.size = Pt(18)
    number = doc.add_paragraph(letter.number)
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.add_paragraph(letter.addressee)
    for text in letter.paragraphs:
        paragraph = doc.add_paragraph(text)
        paragraph.paragraph_format.first_line_indent = Pt(24)
    for text in (letter.signature, letter.date_text):
        closing = doc.add_paragraph(text)
        closing.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = Path(path)
    doc.save(str(out))
    return out
