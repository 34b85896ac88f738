"""步骤目录：每一种步骤写法、它的用途和一个例子，作为数据保存。

The catalogue is the single source of the step library's wording: :mod:`gongkai_flow.bdd.steps`
registers a step only for a pattern listed here (and fails at import otherwise), ``gongkai steps``
prints it, docs/bdd-guide.md copies it, and the "closest steps" message searches it. It needs
neither pytest nor pytest-bdd.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable
from typing import Final

import attrs

#: What each placeholder of a pattern means, as shown to staff.
PLACEHOLDERS: Final[dict[str, str]] = {
    "who": "姓名",
    "field": "字段",
    "value": "内容",
    "opinion": "意见",
    "reason": "理由",
    "title": "信息名称",
    "state": "状态",
    "text": "文字",
    "other": "信息名称",
    "role": "角色",
    "n": "数字",
    "day": "日期",
    "expected": "日期",
    "moment": "时间",
    "event": "舆情编号",
    "category": "答复类别",
    "name": "附件名称",
    "year": "年份",
    "which": "表号",
    "duty": "公开事项",
    "key": "事件编号",
    "section": "科室",
}


@attrs.frozen
class StepEntry:
    """One way of writing a step: its pattern, the group it belongs to, what it does, an example."""

    pattern: str
    group: str
    summary: str
    example: str
    table: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        """The pattern with its placeholders in Chinese: ``〈姓名〉提交审核``."""
        return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: f"〈{PLACEHOLDERS.get(m.group(1), m.group(1))}〉", self.pattern)


def _e(pattern: str, group: str, summary: str, example: str, *table: str) -> StepEntry:
    return StepEntry(pattern, group, summary, example, tuple(table))


PEOPLE = "人员"
REVIEW = "起草与审核"
NEGATIVE = "负面清单"
ATTACH = "附件"
PORTAL = "门户网站"
CLOCK = "日期与时限"
OPINION = "舆情回应"
REQUEST = "依申请公开"
NOTIFY = "通知与提醒"
DUTY = "公开事项"

# -- 领域规则：答复告知书、年度报告、机关配置 ------------------------------------------------------------
# Kept apart from the other groups (and spliced into CATALOGUE after 依申请公开) so that steps added
# elsewhere in the catalogue do not touch these lines.

LETTER = "答复告知书"
ANNUAL = "年度报告"
BUREAU = "机关配置"

_DOMAIN_STEPS: Final[tuple[StepEntry, ...]] = (
    _e(
        "答复告知书中写明“{text}”",
        LETTER,
        "按当前申请的答复生成正式的《政府信息公开申请答复告知书》（与 gongkai 导出的相同：所依据的条例条款、"
        "救济途径、机关落款和日期），检查其中有这段文字。“答复书中写明”只检查简短的答复书文字。",
        "那么答复告知书中写明“《中华人民共和国政府信息公开条例》第三十六条第三项”",
    ),
    _e(
        "{year:d}年度报告表{which:Word}的表头有“{text}”",
        ANNUAL,
        "按本场景中的信息和申请生成该年度的政府信息公开工作年度报告，检查表二、表三或表四的表头"
        "（表头各行、各栏目名称和表上方的说明）中有这段文字；表中各行的名称不算表头。",
        "那么2025年度报告表三的表头有“申请人情况”",
    ),
    _e(
        "本局的配置文件为：",
        BUREAU,
        "本场景使用这份机关配置文件（内容写在下面的三引号文字块中，格式见 docs/configuration.md）："
        "机关名称、统一社会信用代码、科室和各审核环节由哪个科室承担。须写在场景开头，先于任何操作。"
        "文件有误时系统拒绝，后面须写“那么系统拒绝，提示包含“…””。",
        "假如本局的配置文件为：",
        '"""',
        "[bureau]",
        'name = "日照市医疗保障局"',
        'credit_code = "11371100MB1234567B"',
        'sections = ["综合科", "待遇保障科"]',
        "[review]",
        'attribute_reviewer = "综合科"',
        '"""',
    ),
)

#: Every step of the library, in the order ``gongkai steps`` prints them.
CATALOGUE: Final[tuple[StepEntry, ...]] = (
    _e(
        "本局人员如下：",
        PEOPLE,
        "登记本场景中的人员：姓名、科室、角色（多个角色用“、”分隔），业务分管领导还要写分管科室。",
        "假如本局人员如下：",
        "| 姓名 | 科室 | 角色 | 分管科室 |",
        "| 张敏 | 就业失业科 | 承办人 | |",
        "| 刘洋 | 局领导 | 业务分管领导 | 就业失业科、养老保险科 |",
    ),
    _e(
        "{who:Name}起草一条信息：",
        REVIEW,
        "承办人按审核表起草一条信息；表格第一行是字段名，第二行是内容。字段：信息名称、信息类别、公开属性、"
        "发布平台、发布栏目、正文、文号、信息来源、转载来源、是否涉密、是否规范性文件、科室、不予公开类别、"
        "不予公开理由、所解读的政策、形成日期、公开事项（这条信息完成的公开事项：编号@期间，如“SB-JJ@2026-Q1”，"
        "或期间加事项名称，如“2025年度政府信息公开工作年度报告”；多项用“；”分隔）。",
        "当张敏起草一条信息：",
        "| 信息名称 | 信息类别 | 公开属性 | 发布平台 |",
        "| 关于做好2019年高校毕业生就业创业工作的通知 | 政策文件 | 主动公开 | 网站、新媒体 |",
    ),
    _e(
        "{who:Name}修改{field:Word}为“{value}”",
        REVIEW,
        "承办人修改当前信息的一个字段。",
        "当张敏修改正文为“按照省文件修改后的正文”",
    ),
    _e("{who:Name}提交审核", REVIEW, "承办人提交（或退回后重新提交）当前信息。", "当张敏提交审核"),
    _e("{who:Name}撤回", REVIEW, "承办人撤回当前信息。", "当张敏撤回"),
    _e("{who:Name}审核同意", REVIEW, "当前环节的审核人签署同意（不写意见）。", "当赵强审核同意"),
    _e(
        "{who:Name}审核同意，意见为“{opinion}”",
        REVIEW,
        "当前环节的审核人签署同意并填写意见。",
        "当李华审核同意，意见为“不涉密，同意主动公开”",
    ),
    _e("{who:Name}重新提交审核", REVIEW, "退回修改后重新提交（与“提交审核”相同）。", "当张敏重新提交审核"),
    _e("{who:Name}审核通过", REVIEW, "与“审核同意”相同：当前环节的审核人签署同意。", "当王芳审核通过"),
    _e(
        "{who:Name}审核通过，意见为“{opinion}”",
        REVIEW,
        "与“审核同意，意见为”相同。",
        "当王芳审核通过，意见为“符合法律法规规定”",
    ),
    _e("{who:Name}签发", REVIEW, "业务分管领导审签同意（与“审核同意”相同，审核表上的写法）。", "当刘洋签发"),
    _e(
        "{who:Name}签发，意见为“{opinion}”",
        REVIEW,
        "业务分管领导审签同意并写意见。",
        "当刘洋签发，意见为“同意发布”",
    ),
    _e("{who:Name}审签", REVIEW, "与“签发”相同。", "当刘洋审签"),
    _e(
        "{who:Name}审签，意见为“{opinion}”",
        REVIEW,
        "与“签发，意见为”相同。",
        "当刘洋审签，意见为“同意”",
    ),
    _e(
        "{who:Name}退回修改，意见为“{opinion}”",
        REVIEW,
        "与“退回，意见为”相同：退回承办人修改。",
        "当王芳退回修改，意见为“请补充政策依据”",
    ),
    _e("{who:Name}退回修改", REVIEW, "退回修改但不写意见（系统会拒绝：退回必须写明意见）。", "当王芳退回修改"),
    _e(
        "{who:Name}退回，意见为“{opinion}”",
        REVIEW,
        "当前环节的审核人退回给承办人，并写明意见。",
        "当王芳退回，意见为“第三条补贴标准表述与省文件不一致，请修改”",
    ),
    _e("{who:Name}退回", REVIEW, "审核人退回但不写意见（系统会拒绝：退回必须写明意见）。", "当王芳退回"),
    _e(
        "{who:Name}报保密部门确定，意见为“{opinion}”",
        REVIEW,
        "保密及公开属性审核人不能确定是否涉密，报保密部门确定。",
        "当李华报保密部门确定，意见为“是否涉密不能确定”",
    ),
    _e(
        "{who:Name}确定不涉密，意见为“{opinion}”",
        REVIEW,
        "保密部门确定不涉密，恢复审核。",
        "当李华确定不涉密，意见为“保密部门确定不涉密”",
    ),
    _e(
        "{who:Name}确定涉密，意见为“{opinion}”",
        REVIEW,
        "保密部门确定涉密，不予公开并归档。",
        "当李华确定涉密，意见为“保密部门确定为秘密级”",
    ),
    _e("{who:Name}发布", REVIEW, "信息发布人员发布当前信息。", "当陈静发布"),
    _e("{who:Name}登记存档", REVIEW, "信息发布人员将审核完毕、非主动公开的信息登记存档。", "当陈静登记存档"),
    _e(
        "“{title}”已审核同意",
        REVIEW,
        "按正常流程，由本局人员逐级审核同意，直到待发布。",
        "假如“关于调整失业保险金标准的通知”已审核同意",
    ),
    _e(
        "“{title}”已发布",
        REVIEW,
        "按正常流程审核同意并由信息发布人员发布。",
        "假如“关于调整失业保险金标准的通知”已发布",
    ),
    _e(
        "切换到“{title}”",
        REVIEW,
        "此后的步骤针对这条信息（默认针对最近起草的信息）。",
        "当切换到“关于调整失业保险金标准的通知”",
    ),
    _e(
        "{who:Name}废止“{title}”，理由为“{reason}”",
        REVIEW,
        "信息发布人员废止已发布的文件，写明理由。",
        "当陈静废止“关于调整失业保险金标准的通知”，理由为“已被新文件替代”",
    ),
    _e(
        "{who:Name}标注“{title}”失效，理由为“{reason}”",
        REVIEW,
        "信息发布人员标注已发布的文件失效，写明理由。",
        "当陈静标注“关于调整失业保险金标准的通知”失效，理由为“有效期届满”",
    ),
    _e(
        "{who:Name}撤下“{title}”，理由为“{reason}”",
        REVIEW,
        "信息发布人员从网站撤下已发布的信息，写明理由。",
        "当陈静撤下“关于调整失业保险金标准的通知”，理由为“内容有误”",
    ),
    _e("信息状态为“{state}”", REVIEW, "检查当前信息所处的环节或状态。", "那么信息状态为“法律法规审核”"),
    _e(
        "“{title}”的状态为“{state}”",
        REVIEW,
        "检查指定信息的状态。",
        "那么“关于调整失业保险金标准的通知”的状态为“已废止”",
    ),
    _e(
        "系统拒绝，提示包含“{text}”",
        REVIEW,
        "上一步操作被系统拒绝，拒绝理由中包含这段文字。被拒绝的操作后面必须紧跟这一步。",
        "那么系统拒绝，提示包含“须填写意见”",
    ),
    _e("操作成功", REVIEW, "上一步操作没有被拒绝。", "那么操作成功"),
    _e("下一步由{role:Word}办理", REVIEW, "检查当前环节应由哪个角色办理。", "那么下一步由法律法规审核人办理"),
    _e(
        "审核表上{role:Word}的意见为“{opinion}”",
        REVIEW,
        "检查审核表上该角色签署的意见。",
        "那么审核表上保密及公开属性审核人的意见为“不涉密，同意主动公开”",
    ),
    _e(
        "审核表上共有{n:d}个签字",
        REVIEW,
        "检查审核表上有效签字的个数（内容修改后之前的签字作废）。",
        "那么审核表上共有2个签字",
    ),
    _e(
        "{who:Name}对“{title}”进行负面清单检查",
        NEGATIVE,
        "不提交，先对这条信息的当前内容进行负面清单检查（提交审核、保密及公开属性审核和发布时系统也会检查）。",
        "当张敏对“见义勇为人员表彰名单”进行负面清单检查",
    ),
    _e(
        "负面清单提示“{text}”",
        NEGATIVE,
        "对当前信息的当前内容进行的最近一次负面清单检查，其发现（系统的提示、严重程度、类别或规则编号）中有这段文字；"
        "不比对正文。没有检查过或检查后又修改过，这一步失败。",
        "那么负面清单提示“身份号码”",
    ),
    _e(
        "负面清单没有发现问题",
        NEGATIVE,
        "对当前信息的当前内容进行的最近一次负面清单检查没有任何发现（没有检查过，这一步失败）。",
        "那么负面清单没有发现问题",
    ),
    _e(
        "{who:Name}审核同意并放行负面清单发现，理由为“{reason}”",
        NEGATIVE,
        "保密及公开属性审核人审核同意，并写明理由放行负面清单的阻断发现。",
        "当李华审核同意并放行负面清单发现，理由为“当事人书面同意公开”",
    ),
    _e(
        "审核表上记录了{who:Name}放行负面清单发现，理由为“{reason}”",
        NEGATIVE,
        "审核表（附件2）的“负面清单放行记录”中有此人以这一理由放行的记录，且仍然有效（放行后内容未修改）。",
        "那么审核表上记录了李华放行负面清单发现，理由为“当事人书面同意公开其身份信息”",
    ),
    _e(
        "{who:Name}为“{title}”添加附件“{name}”，内容为：",
        ATTACH,
        "承办人为信息添加附件（同名附件则替换，已有的审核签字随之失效）。内容写在下面的三引号文字块中；"
        "名称以 .csv 或 .xlsx 结尾时也可以写一个表格（第一行是列名），系统把它做成表格文件。"
        "提交审核、保密及公开属性审核和发布时，负面清单连附件内容一起检查。",
        "当张敏为“关于公布2019年就业见习基地名单的通知”添加附件“名单.csv”，内容为：",
        "| 单位名称 | 联系人 |",
        "| 日照市某某科技有限公司 | 王某 |",
    ),
    _e(
        "{who:Name}删除“{title}”的附件“{name}”",
        ATTACH,
        "承办人删除信息的一个附件（已有的审核签字随之失效）。",
        "当张敏删除“关于公布2019年就业见习基地名单的通知”的附件“名单.csv”",
    ),
    _e(
        "“{title}”的附件有“{name}”",
        ATTACH,
        "检查该信息当前带有这个名称的附件。",
        "那么“关于公布2019年就业见习基地名单的通知”的附件有“名单.csv”",
    ),
    _e(
        "“{title}”没有附件“{name}”",
        ATTACH,
        "检查该信息当前没有这个名称的附件。",
        "那么“关于公布2019年就业见习基地名单的通知”没有附件“名单.csv”",
    ),
    _e("生成门户网站", PORTAL, "把已发布的信息生成门户网站（临时目录）。", "当生成门户网站"),
    _e(
        "门户网站上“{title}”的页面有附件“{name}”",
        PORTAL,
        "检查该信息的网页列出了这个附件，链接指向网站上的文件，文件内容与信息的附件一致。",
        "那么门户网站上“关于公布2019年就业见习基地名单的通知”的页面有附件“名单.csv”",
    ),
    _e(
        "门户网站上“{title}”的页面显示“{text}”",
        PORTAL,
        "检查该信息的网页上有这段文字。",
        "那么门户网站上“关于调整失业保险金标准的通知”的页面显示“已废止”",
    ),
    _e(
        "门户网站上“{title}”的页面不显示“{text}”",
        PORTAL,
        "检查该信息的网页上没有这段文字。",
        "那么门户网站上“关于调整失业保险金标准的通知”的页面不显示“已废止”",
    ),
    _e(
        "门户网站上“{title}”的页面链接到“{other}”",
        PORTAL,
        "检查该信息的网页上有指向另一条信息的链接（例如政策文件与解读相互关联）。",
        "那么门户网站上“关于调整失业保险金标准的通知”的页面链接到“《关于调整失业保险金标准的通知》政策解读”",
    ),
    _e("门户网站首页显示“{text}”", PORTAL, "检查门户网站首页有这段文字。", "那么门户网站首页显示“政策文件”"),
    _e(
        "门户网站上没有“{title}”",
        PORTAL,
        "检查该信息没有出现在门户网站上。",
        "那么门户网站上没有“2019年第二季度工作会议纪要”",
    ),
    _e("今天是{day:Date}", CLOCK, "把本场景的时钟定在这一天上午9时（北京时间）。", "假如今天是2025年9月30日"),
    _e("现在是{moment:DateTime}", CLOCK, "把本场景的时钟定在这一时刻（北京时间）。", "假如现在是2025年9月30日10时30分"),
    _e("过了{n:d}天", CLOCK, "时钟向后拨若干自然日。", "当过了10天"),
    _e("过了{n:d}小时", CLOCK, "时钟向后拨若干小时。", "当过了6小时"),
    _e("{day:Date}是工作日", CLOCK, "按法定节假日和调休安排，这一天是工作日。", "那么2025年10月11日是工作日"),
    _e("{day:Date}不是工作日", CLOCK, "按法定节假日和调休安排，这一天不是工作日。", "那么2025年10月8日不是工作日"),
    _e(
        "{day:Date}之后的第{n:d}个工作日是{expected:Date}",
        CLOCK,
        "工作日推算：起算日当天不计，从次日起数。",
        "那么2025年9月30日之后的第3个工作日是2025年10月11日",
    ),
    _e(
        "政策解读应在{day:Date}前发布",
        CLOCK,
        "当前政策文件的解读材料最迟发布日（文件公开之日起3个工作日）。",
        "那么政策解读应在2025年10月11日前发布",
    ),
    _e("政策解读时限已结束", CLOCK, "当前政策文件的解读材料已发布，解读时限不再计算。", "那么政策解读时限已结束"),
    _e(
        "该信息应在{day:Date}前公开",
        CLOCK,
        "当前主动公开信息的最迟公开日（形成之日起20个工作日）。",
        "那么该信息应在2019年7月1日前公开",
    ),
    _e("已超期的时限有{n:d}项", CLOCK, "按当前时间，已经超过期限仍未办结的时限个数。", "那么已超期的时限有1项"),
    _e(
        "登记重大舆情“{event}”",
        OPINION,
        "登记特别重大、重大突发事件（5小时内发布权威信息，24小时内举行新闻发布会）。",
        "当登记重大舆情“YQ-2025-01”",
    ),
    _e(
        "登记重大舆情“{event}”，由{who:Name}负责",
        OPINION,
        "登记重大舆情并指定负责人（时限提醒发给此人）。",
        "当登记重大舆情“YQ-2025-01”，由张敏负责",
    ),
    _e(
        "登记一般舆情“{event}”，由{who:Name}负责",
        OPINION,
        "登记其他政务舆情并指定负责人（时限提醒发给此人）。",
        "当登记一般舆情“YQ-2025-02”，由张敏负责",
    ),
    _e("登记一般舆情“{event}”", OPINION, "登记其他政务舆情（48小时内回应）。", "当登记一般舆情“YQ-2025-02”"),
    _e("记录舆情“{event}”已回应", OPINION, "记录已作出回应，结束该舆情的时限。", "当记录舆情“YQ-2025-02”已回应"),
    _e(
        "舆情“{event}”应在{moment:DateTime}前发布权威信息",
        OPINION,
        "检查重大舆情发布权威信息的最迟时间。",
        "那么舆情“YQ-2025-01”应在2025年9月30日15时前发布权威信息",
    ),
    _e(
        "舆情“{event}”应在{moment:DateTime}前举行新闻发布会",
        OPINION,
        "检查重大舆情举行新闻发布会的最迟时间。",
        "那么舆情“YQ-2025-01”应在2025年10月1日10时前举行新闻发布会",
    ),
    _e(
        "舆情“{event}”应在{moment:DateTime}前予以回应",
        OPINION,
        "检查其他政务舆情回应的最迟时间。",
        "那么舆情“YQ-2025-02”应在2025年10月2日10时前予以回应",
    ),
    _e(
        "舆情“{event}”的时限已全部结束",
        OPINION,
        "该舆情的时限都已结束（已回应）。",
        "那么舆情“YQ-2025-02”的时限已全部结束",
    ),
    _e("舆情“{event}”已超时", OPINION, "按当前时间，该舆情有时限已超过仍未回应。", "那么舆情“YQ-2025-01”已超时"),
    _e(
        "{who:Name}登记依申请公开申请：",
        REQUEST,
        "依申请公开经办人登记一件申请；字段：申请人、申请人类型、联系方式、所需信息、提交方式、收到日期。",
        "当赵丽登记依申请公开申请：",
        "| 申请人 | 申请人类型 | 联系方式 | 所需信息 | 提交方式 | 收到日期 |",
        "| 王某 | 自然人 | 13800000000 | 2019年就业补贴发放情况 | 当面提交 | 2025年9月30日 |",
    ),
    _e("{who:Name}受理该申请", REQUEST, "受理当前申请，进入审查办理。", "当赵丽受理该申请"),
    _e(
        "{who:Name}告知补正，意见为“{opinion}”",
        REQUEST,
        "申请内容不明确，一次性告知补正（答复期限暂停）。",
        "当赵丽告知补正，意见为“请写明所需信息的文号”",
    ),
    _e("{who:Name}收到补正", REQUEST, "收到补正，答复期限自收到补正之日起重新计算。", "当赵丽收到补正"),
    _e(
        "{who:Name}收到补正后的申请，收到日期为{day:Date}",
        REQUEST,
        "补正后的申请先收到、后登记时，写明实际收到的日期：答复期限自这一天起重新计算（条例第三十条）；"
        "收到日期不能晚于今天，也不能早于申请的上一步办理。",
        "当赵丽收到补正后的申请，收到日期为2025年3月3日",
    ),
    _e(
        "{who:Name}征求第三方意见，意见为“{opinion}”",
        REQUEST,
        "公开可能损害第三方合法权益，征求第三方意见（期间不计入答复期限）。",
        "当赵丽征求第三方意见，意见为“涉及企业经营信息”",
    ),
    _e(
        "{who:Name}征求共同制作机关意见，意见为“{opinion}”",
        REQUEST,
        "征求共同制作机关意见（15个工作日，逾期视为同意）。",
        "当赵丽征求共同制作机关意见，意见为“与市财政局联合制发”",
    ),
    _e(
        "{who:Name}收到意见，意见为“{opinion}”",
        REQUEST,
        "收到被征求方的意见，恢复办理。",
        "当赵丽收到意见，意见为“第三方同意公开”",
    ),
    _e(
        "{who:Name}收到意见",
        REQUEST,
        "恢复办理但不写意见（仅共同制作机关逾期未答复时可以，视为同意）。",
        "当赵丽收到意见",
    ),
    _e(
        "{who:Name}延长答复期限{n:d}个工作日，理由为“{reason}”",
        REQUEST,
        "政府信息公开工作机构负责人批准延长答复期限（最多20个工作日）。",
        "当马军延长答复期限20个工作日，理由为“涉及信息量大”",
    ),
    _e(
        "{who:Name}答复“{category}”",
        REQUEST,
        "按答复类别答复当前申请（例如：予以公开、信息不存在）。",
        "当赵丽答复“予以公开”",
    ),
    _e(
        "{who:Name}答复不予公开，理由为“{reason}”",
        REQUEST,
        "答复不予公开并写明理由（年报的八类不予公开理由之一）。",
        "当赵丽答复不予公开，理由为“属于四类过程性信息”",
    ),
    _e(
        "{who:Name}处理逾期未补正的申请",
        REQUEST,
        "补正期限（本局定为15个工作日）届满仍未补正的申请，视为放弃。",
        "当赵丽处理逾期未补正的申请",
    ),
    _e("{who:Name}归档该申请", REQUEST, "答复后归档。", "当赵丽归档该申请"),
    _e("申请状态为“{state}”", REQUEST, "检查当前申请的办理状态。", "那么申请状态为“已答复”"),
    _e("答复期限是{day:Date}", REQUEST, "检查当前申请的答复期限（最后一天）。", "那么答复期限是2025年10月30日"),
    _e(
        "补正告知期限是{day:Date}",
        REQUEST,
        "检查一次性告知补正的期限（最后一天）。",
        "那么补正告知期限是2025年10月17日",
    ),
    _e("答复书中写明“{text}”", REQUEST, "检查答复书的文字。", "那么答复书中写明“行政复议”"),
    *_DOMAIN_STEPS,
    _e(
        "系统在{day:Date}检查时限",
        NOTIFY,
        "把时钟拨到这一天上午9时，系统检查全部时限并发出即将到期、今日到期、已超期的提醒，"
        "并检查公开事项、向责任科室发出提醒和逾期提醒（每条只发一次）。",
        "当系统在2025年10月9日检查时限",
    ),
    _e(
        "系统在{moment:DateTime}检查时限",
        NOTIFY,
        "把时钟拨到这一时刻，系统检查全部时限和公开事项并发出提醒（舆情按小时计算时使用）。",
        "当系统在2025年9月30日16时检查时限",
    ),
    _e(
        "系统向{who:Name}发送待办",
        NOTIFY,
        "上一步之后，系统给此人发了关于当前信息的待办通知（轮到此人办理）。",
        "那么系统向李华发送待办",
    ),
    _e(
        "系统没有向{who:Name}发送待办",
        NOTIFY,
        "上一步之后，系统没有给此人发关于当前信息的待办通知。",
        "那么系统没有向张敏发送待办",
    ),
    _e(
        "系统向{who:Name}发送逾期提醒",
        NOTIFY,
        "上一步（通常是“系统在…检查时限”）之后，系统给此人发了【已逾期】提醒。",
        "那么系统向张敏发送逾期提醒",
    ),
    _e(
        "系统向{who:Name}发送即将到期提醒",
        NOTIFY,
        "上一步之后，系统给此人发了【即将到期】提醒。",
        "那么系统向张敏发送即将到期提醒",
    ),
    _e(
        "系统向{who:Name}发送今日到期提醒",
        NOTIFY,
        "上一步之后，系统给此人发了【今日到期】提醒。",
        "那么系统向张敏发送今日到期提醒",
    ),
    _e(
        "系统没有发送提醒",
        NOTIFY,
        "上一步之后，系统没有发出任何法定时限的提醒（公开事项的提醒用“公开事项”一组的写法检查）。",
        "那么系统没有发送提醒",
    ),
    _e(
        "{who:Name}登记公开事项“{duty}”的触发事件“{key}”",
        DUTY,
        "登记触发公开事项的事件（例如双随机抽查结束、预算批复、考试结果确定），发生时间是现在；期限从此起算。"
        "公开事项写编号（如“SSJ”）或事项名称；完成它的信息标记“编号@事件编号”。",
        "当孙伟登记公开事项“SSJ”的触发事件“SSJ-2026-1”",
    ),
    _e(
        "{who:Name}登记局长办公会议“{title}”，市民代表{n:d}人列席",
        DUTY,
        "登记今天召开的局长办公会议及列席的市民代表人数（有市民代表列席的会议计入“邀请市民代表列席局长办公会议”）。",
        "当李华登记局长办公会议“2026年第一次局长办公会议”，市民代表2人列席",
    ),
    _e(
        "公开事项“{duty}”的状态为“{state}”",
        DUTY,
        "按现在的时间检查一项公开事项一期的状态：已完成、逾期完成、进行中、即将到期、逾期、未开始。"
        "公开事项写编号@期间（如“SB-JJ@2026-Q1”“SSJ@SSJ-2026-1”），或期间加事项名称"
        "（如“2025年度政府信息公开工作年度报告”“2026年第一季度参保人数、待遇支付、基金收支情况”），"
        "或事项名称加括号中的期间、事件编号（如“‘双随机、一公开’抽查结果和查处情况（SSJ-2026-1）”）。",
        "那么公开事项“2025年度政府信息公开工作年度报告”的状态为“已完成”",
    ),
    _e(
        "{n:d}年的公开事项状态如下：",
        DUTY,
        "按现在的时间检查这一年（截止日期在这一年）的公开事项状态，与 gongkai duties status 相同。"
        "表格列出要检查的事项：公开事项（必填），截止日期、状态、公开的信息（多条用“；”分隔，空白表示没有）可选；"
        "没有列出的事项不检查。",
        "那么2026年的公开事项状态如下：",
        "| 公开事项 | 截止日期 | 状态 | 公开的信息 |",
        "| 2025年度政府信息公开工作年度报告 | 2026年1月31日 | 已完成 | 2025年政府信息公开工作年度报告 |",
    ),
    _e(
        "系统向{section:Section}发送公开事项“{duty}”的提醒",
        DUTY,
        "上一步（通常是“系统在…检查时限”）之后，系统向该科室的人员发了这项公开事项的【即将到期】提醒"
        "（提醒发给第一个责任科室单位）。",
        "那么系统向局办公室发送公开事项“2025年度政府信息公开工作年度报告”的提醒",
    ),
    _e(
        "系统向{section:Section}发送公开事项“{duty}”的逾期提醒",
        DUTY,
        "上一步之后，系统向该科室的人员发了这项公开事项的【已逾期】督办提醒。",
        "那么系统向局办公室发送公开事项“2025年度政府信息公开工作年度报告”的逾期提醒",
    ),
    _e(
        "系统没有发送公开事项“{duty}”的提醒",
        DUTY,
        "上一步之后，系统没有发出这项公开事项的提醒或逾期提醒（人员表中须有它的第一个责任科室单位的人员）。",
        "那么系统没有发送公开事项“2025年度政府信息公开工作年度报告”的提醒",
    ),
    _e(
        "政府信息公开目录中“{duty}”下有“{title}”",
        DUTY,
        "生成门户网站后，政府信息公开目录页面中该公开事项（写编号或事项名称；写编号@期间则查这一期）下列出了这条信息。",
        "那么政府信息公开目录中“政府信息公开工作年度报告”下有“2025年政府信息公开工作年度报告”",
    ),
)

#: Things staff ask for that the library cannot do yet: a word in the step → what to tell them.
MISSING: Final[dict[str, str]] = {
    "短信": "短信通知尚未提供：通知只能通过邮件、办公系统消息中心或文件发送。",
}

#: The Gherkin keywords that may start a step in a ``# language: zh-CN`` file.
KEYWORDS: Final[tuple[str, ...]] = ("假如", "假设", "假定", "当", "那么", "而且", "并且", "同时", "但是")


def _plain(entry: StepEntry) -> str:
    return re.sub(r"\{[^}]*\}", "", entry.pattern)


def _common_start(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` share at their beginning."""
    return sum(1 for _ in itertools.takewhile(lambda pair: pair[0] == pair[1], zip(a, b, strict=False)))


def closest_steps(text: str, *, limit: int = 3, names: Iterable[str] = ()) -> list[StepEntry]:
    """The catalogue entries whose wording is closest to ``text`` (difflib), best first.

    ``names`` are the people of the scenario: written in ``text`` they stand for 〈姓名〉, so the
    comparison is between wordings, not between names. Ties go to the longer common beginning.
    """
    text = text.strip()
    general = text
    for name in sorted(names, key=len, reverse=True):
        general = general.replace(name, "〈姓名〉")

    def score(entry: StepEntry) -> tuple[float, int]:
        candidates = [entry.example, _plain(entry)]
        for keyword in KEYWORDS:
            if entry.example.startswith(keyword):
                candidates.append(entry.example[len(keyword) :])
        ratio = max(difflib.SequenceMatcher(None, text, c).ratio() for c in candidates)
        ratio = max(ratio, difflib.SequenceMatcher(None, general, entry.display).ratio())
        return ratio, _common_start(general, entry.display)

    return sorted(CATALOGUE, key=score, reverse=True)[:limit]


def format_entry(entry: StepEntry) -> str:
    """One entry as shown by ``gongkai steps`` and in messages: the wording, what it does, an example."""
    lines = [f"  {entry.display}", f"      {entry.summary}", f"      例：{entry.example}"]
    lines.extend(f"          {row}" for row in entry.table)
    return "\n".join(lines)


def format_catalogue(group: str | None = None) -> str:
    """The whole catalogue (or one group) as Chinese text, grouped."""
    out: list[str] = []
    seen: list[str] = []
    for entry in CATALOGUE:
        if group is not None and entry.group != group:
            continue
        if entry.group not in seen:
            seen.append(entry.group)
            out.append(f"\n【{entry.group}】")
        out.append(format_entry(entry))
    return "\n".join(out).strip() + "\n"


def not_found_message(
    text: str, *, line: int | None = None, filename: str | None = None, names: Iterable[str] = ()
) -> str:
    """The Chinese message for a step that matches no step of the library."""
    where = f"（{filename} 第{line}行）" if filename and line else ""
    suggestions = "\n".join(format_entry(e) for e in closest_steps(text, names=names))
    missing = [note for word, note in MISSING.items() if word in text]
    capability = f"本库还不能做这件事：{missing[0]}\n" if missing else ""
    return (
        f"找不到与这一步对应的写法{where}：\n  “{text}”\n{capability}"
        f"最接近的写法有：\n{suggestions}\n"
        "请照例子改写这一步（注意引号用中文“”，不要多写或少写字）；运行 gongkai steps 查看全部写法。"
    )
