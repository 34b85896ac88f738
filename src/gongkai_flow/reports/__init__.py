"""What the bureau files and publishes about its own disclosure work, generated from the engine's records.

* :mod:`.form` — the review form (审核表, 附件2) of one item, read from its audit trail;
* :mod:`.ledger` — the ledger (台账) of the items of a period, as .xlsx;
* :mod:`.annual` — the annual report's tables 二, 三 and 四 (条例第50条) with their checks (docs/legal-basis.md),
  and the figures the bureau's plan asks for;
* :mod:`.letters` — the formal reply letter (答复告知书) of an answered 依申请公开 application.

The .docx and .xlsx outputs need the ``reports`` extra (python-docx, openpyxl); the data and the
Markdown and HTML outputs need nothing beyond the core.
"""

from __future__ import annotations

from .annual import AnnualReport, ReportCheckError, ReportFormat, annual_report, check_report
from .form import ReviewForm, review_form

__all__ = [
    "AnnualReport",
    "ReportCheckError",
    "ReportFormat",
    "ReviewForm",
    "annual_report",
    "check_report",
    "review_form",
]
