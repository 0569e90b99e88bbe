"""Storage: SQLAlchemy Core tables (the portal on every one), the engine, the migrations, repositories."""
