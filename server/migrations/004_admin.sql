-- The administration audit trail: who changed what in the hall's setup, staff or devices, and when.
-- before/after hold JSON of the changed part only; passwords and tokens never appear here,
-- only the fact that they changed.

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    hall_id   INTEGER NOT NULL REFERENCES halls(id),
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    before    TEXT,
    after     TEXT
);
CREATE INDEX audit_log_by_hall ON audit_log (hall_id, id);
