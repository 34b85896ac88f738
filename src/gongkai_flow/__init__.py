"""gongkai_flow: the review chain, negative-list checks and statutory clocks of 政务公开.

The public API is re-exported here; everything else lives in modules named for their layer.
Importing the package runs nothing: no I/O, no plugin loading, no global state.
"""

from .bureau import BureauConfig
from .bureau import load_bureau
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
from .registry import Plugin
from .registry import PluginRegistry
from .service import Flow
from .storage import MemoryRepository
from .storage import Repository
from .model import AuditReport
from .storage import Database
from .storage import SqlOutbox
from .storage import SqlRepository
from .storage import WorkItem
from .storage.errors import StorageError
from .dispatch import Dispatcher
from .dispatch import RetryPolicy
from .calendar import WorkCalendar
from .chain import request_chain
from .clocks import Clocks
from .requests import Application
from .requests import ApplicantType
from .requests import Channel
from .requests import DenyReason
from .requests import ReplyCategory
from .requests import RequestWorkflow

__all__ = [
    "Action",
    "ActionOption",
    "Actor",
    "ApplicantType",
    "Application",
    "AuditEntry",
    "AuditReport",
    "BureauConfig",
    "ChainDefinition",
    "ChainSet",
    "Channel",
    "Clocks",
    "Database",
    "DenyReason",
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
    "ReplyCategory",
    "Repository",
    "RequestWorkflow",
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
    "WorkCalendar",
    "WorkItem",
    "Workflow",
    "WorkflowError",
    "default_chain",
    "load_bureau",
    "news_chain",
    "request_chain",
]
