"""The same schema for PostgreSQL, by the same numbers as the SQLite files one folder up: each
file does on PostgreSQL what its namesake does on SQLite (`server.db.migrate` picks the folder
by the database's dialect)."""
