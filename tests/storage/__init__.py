"""Storage tests: the contract suite (memory, SQLite, PostgreSQL), concurrency, the audit chain, the CLI."""
