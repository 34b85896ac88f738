"""Alembic migrations of gongkai_flow's tables, shipped with the package.

Run them with ``gongkai db upgrade [--db URL]`` or :func:`gongkai_flow.storage.database.upgrade`.
Every revision is written by hand and never edited once released; ``0001`` is the first schema.
The version is kept in ``gongkai_alembic_version`` so the host's own Alembic history is untouched.
"""
