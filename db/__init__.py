"""SQLAlchemy models per domain, engine and session factories, repositories (all SQL)."""
