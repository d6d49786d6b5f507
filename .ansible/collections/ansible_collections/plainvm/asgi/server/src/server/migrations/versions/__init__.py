"""Migration scripts, one per revision. Alembic loads them by file, not by import."""
