"""Package data: the default bureau configuration (bureau.toml)."""
