-- jiaohao: rebuilds tables
-- 等保 level 2: the read-only auditor role, account lockout kept in the database (it survives a
-- restart and holds for every process), the age of each password, and when each session was
-- last used (the idle timeout). SQLite cannot widen a CHECK in place, so users is rebuilt
-- (https://sqlite.org/lang_altertable.html#otheralter), with foreign keys off for the copy.

CREATE TABLE users_new (
    id                  INTEGER PRIMARY KEY,
    hall_id             INTEGER NOT NULL REFERENCES halls(id),
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    staff_no            TEXT,
    role                TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor', 'admin', 'auditor')),
    password_hash       TEXT NOT NULL,
    disabled            INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL,
    locked_until        TEXT,
    password_changed_at TEXT
);
INSERT INTO users_new (id, hall_id, username, display_name, staff_no, role, password_hash, disabled,
                       created_at, password_changed_at)
    SELECT id, hall_id, username, display_name, staff_no, role, password_hash, disabled, created_at,
           created_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;
UPDATE sessions SET last_seen_at = created_at;

-- wrong passwords given for an account; forgotten on a good sign-in and on unlock
CREATE TABLE sign_in_failures (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL REFERENCES users(id),
    at       TEXT NOT NULL,
    address  TEXT NOT NULL
);
CREATE INDEX sign_in_failures_by_user ON sign_in_failures (user_id, at);

-- the sign-in trail: every sign-in, failure, lockout, unlock and sign-out with its address and
-- result; beside the change trail (audit_log), which stays a list of what people changed
CREATE TABLE sign_in_log (
    id        INTEGER PRIMARY KEY,
    hall_id   INTEGER NOT NULL REFERENCES halls(id),
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    before    TEXT,
    after     TEXT
);
CREATE INDEX sign_in_log_by_hall ON sign_in_log (hall_id, id);

CREATE TRIGGER sign_in_log_append_only_update BEFORE UPDATE ON sign_in_log
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TRIGGER sign_in_log_kept_180_days BEFORE DELETE ON sign_in_log
WHEN old.at > strftime('%Y-%m-%dT%H:%M:%S', 'now', '-180 days')
BEGIN
    SELECT RAISE(ABORT, 'audit entries are kept at least 180 days');
END;

-- the audit trail is append-only like the event log: no entry is ever changed, and none is
-- removed before it is 180 days old (等保 level 2 keeps it at least six months)
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TRIGGER audit_log_kept_180_days BEFORE DELETE ON audit_log
WHEN old.at > strftime('%Y-%m-%dT%H:%M:%S', 'now', '-180 days')
BEGIN
    SELECT RAISE(ABORT, 'audit entries are kept at least 180 days');
END;
