"""gongkai_flow: the review chain, negative-list checks and statutory clocks of 政务公开.

The public API is re-exported here; everything else lives in modules named for their layer.
Importing the package runs nothing: no I/O, no plugin loading, no global state.
"""

from .chain import Action
from .chain import ChainDefinition
from .chain import ChainSet
from .chain import Scope
from .chain import Stage
from .chain import Step
from .chain import default_chain
from .chain import news_chain
from .engine import ActionOption
from .engine import Outcome
from .engine import Workflow
from .errors import GongkaiFlowError
from .errors import StaleItemError
from .errors import TransitionBlockedError
from .errors import WorkflowError
from .model import Actor
from .model import AuditEntry
from .model import DisclosureAttribute
from .model import DisclosureItem
from .model import Finding
from .model import InfoSource
from .model import ItemKind
from .model import NegativeListCategory
from .model import Platform
from .model import Role
from .model import Severity
from .plugins import Plugin
from .plugins import PluginRegistry
from .service import Flow
from .storage import MemoryRepository
from .storage import Repository
from .storage import AuditReport
from .storage import Database
from .storage import SqlOutbox
from .storage import SqlRepository
from .storage.errors import StorageError
from .dispatch import Dispatcher
from .dispatch import RetryPolicy

__all__ = [
    "Action",
    "ActionOption",
    "Actor",
    "AuditEntry",
    "AuditReport",
    "ChainDefinition",
    "ChainSet",
    "Database",
    "DisclosureAttribute",
    "DisclosureItem",
    "Dispatcher",
    "Finding",
    "Flow",
    "GongkaiFlowError",
    "InfoSource",
    "ItemKind",
    "MemoryRepository",
    "NegativeListCategory",
    "Outcome",
    "Platform",
    "Plugin",
    "PluginRegistry",
    "Repository",
    "RetryPolicy",
    "Role",
    "Scope",
    "Severity",
    "SqlOutbox",
    "SqlRepository",
    "Stage",
    "StaleItemError",
    "Step",
    "StorageError",
    "TransitionBlockedError",
    "Workflow",
    "WorkflowError",
    "default_chain",
    "news_chain",
]
