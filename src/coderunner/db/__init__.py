"""Database plumbing: the declarative base, the engine/session factory and the migrations."""
