"""The database schema as numbered SQL files (`001_initial.sql`, …), applied in order by
`server.db.migrate`, each in the transaction that records it in `schema_migrations`."""
