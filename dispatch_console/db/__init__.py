"""Storage: typed SQLAlchemy models, the engine with its durability settings, Alembic migrations."""
