"""SQL storage (SQLAlchemy 2.x Core), split by concern.

* :mod:`.schema` — column types, :data:`metadata` and every table;
* :mod:`.mapping` — rows to values and back;
* :mod:`.items` — :class:`SqlRepository`: items, their audit trail, their outbox rows;
* :mod:`.worklist` — the 待办/已办 queries;
* :mod:`.outbox` — :class:`SqlOutbox`, the dispatcher's side of the outbox;
* :mod:`.clocks` — :class:`SqlClockStore`: timers and 依申请公开 applications;
* :mod:`.records` — :class:`SqlRecordRepository`: the annual report's records;
* :mod:`.actors` — :class:`SqlActorDirectory`: the people the CLI looks up;
* :mod:`.blobs` — :class:`SqlBlobStore`: the attachments' bytes by SHA-256;
* :mod:`.duties` — :class:`SqlDutyStore`: the duty catalogue's tags, events and notices.

Everything works inside the caller's transaction and never commits, except the outbox, which
runs the dispatcher's own short transactions from an engine.
"""

from .actors import SqlActorDirectory
from .blobs import SqlBlobStore
from .clocks import SqlClockStore
from .duties import SqlDutyStore
from .items import SqlRepository
from .outbox import SqlOutbox
from .records import SqlRecordRepository
from .schema import BLOB_TABLES, CLOCK_TABLES, RECORDS_TABLES, TABLES, metadata

__all__ = [
    "BLOB_TABLES",
    "CLOCK_TABLES",
    "RECORDS_TABLES",
    "TABLES",
    "SqlActorDirectory",
    "SqlBlobStore",
    "SqlClockStore",
    "SqlDutyStore",
    "SqlOutbox",
    "SqlRecordRepository",
    "SqlRepository",
    "metadata",
]
