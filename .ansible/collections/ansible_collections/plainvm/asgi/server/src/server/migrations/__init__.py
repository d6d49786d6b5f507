"""Alembic migrations for the server's database, run by ``python -m server migrate``."""
