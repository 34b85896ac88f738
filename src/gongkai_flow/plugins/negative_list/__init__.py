"""Built-in plugin ``negative_list``: 附件1 负面清单 as data, scanners, and the check on the chain.

Keeps non-disclosable information off the website: personal numbers (ID numbers with the GB
11643 check character, mobiles, bank cards with Luhn, landlines, e-mails), 密级 markings,
internal-material markers, process information, internal management documents, case files,
petition markers, disclosure labels contradicting the item, and a 错敏词 dictionary. Each
finding names its rule (id and version), its category of 附件1, its legal basis, a masked
excerpt and a Chinese message.

Enable it with ``Flow(plugins=["negative_list"], plugin_config={"negative_list": {...}})``; the
configuration is described in :mod:`.settings` and ``docs/negative-list.md``. Use
:class:`Scanner` directly to check a text; :func:`read_document` (bytes and a name) or
:func:`read_file` (a path) and :func:`scan_document` to check a file, every finding with its
:class:`Location`; or ``gongkai check FILE…`` on the command line. Needs the ``negative-list``
extra (``ahocorasick-rs``, ``python-calamine``, ``pypdfium2``, ``charset-normalizer``,
``defusedxml``).
"""

from __future__ import annotations

from .catalogue import Category, LegalBasis, Rule, RuleKind, builtin_rules, category, load_categories, rules_version
from .documents import (
    DocumentError,
    ExtractedDocument,
    Limits,
    Location,
    Problem,
    Segment,
    read_document,
    read_file,
)
from .normalize import Normalized, normalize
from .plugin import NegativeListPlugin, OutputGuard, check_transition, default_guard, plugin, scan_public_content
from .scan import LineIndex, LocatedFinding, scan_document, scan_segments
from .scanner import ScanContext, Scanner, published_text
from .settings import AllowList, Settings

__all__ = [
    "AllowList",
    "Category",
    "DocumentError",
    "ExtractedDocument",
    "LegalBasis",
    "Limits",
    "LineIndex",
    "LocatedFinding",
    "Location",
    "NegativeListPlugin",
    "Normalized",
    "OutputGuard",
    "Problem",
    "Rule",
    "RuleKind",
    "ScanContext",
    "Scanner",
    "Segment",
    "Settings",
    "builtin_rules",
    "category",
    "check_transition",
    "default_guard",
    "load_categories",
    "normalize",
    "plugin",
    "published_text",
    "read_document",
    "read_file",
    "rules_version",
    "scan_document",
    "scan_public_content",
    "scan_segments",
]
