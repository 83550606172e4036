-- jiaohao: rebuilds tables
-- The city role: an account that reads every hall of the deployment (the city dashboard and
-- reports) and changes none. SQLite cannot widen a CHECK in place, so users is rebuilt as in
-- 015_hall_usernames.sql (a name unique within its hall), with foreign keys off for the copy.

CREATE TABLE users_new (
    id                  INTEGER PRIMARY KEY,
    hall_id             INTEGER NOT NULL REFERENCES halls(id),
    username            TEXT NOT NULL,
    display_name        TEXT NOT NULL,
    staff_no            TEXT,
    role                TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor', 'admin', 'auditor', 'city')),
    password_hash       TEXT NOT NULL,
    disabled            INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL,
    locked_until        TEXT,
    password_changed_at TEXT,
    UNIQUE (hall_id, username)
);
INSERT INTO users_new (id, hall_id, username, display_name, staff_no, role, password_hash, disabled,
                       created_at, locked_until, password_changed_at)
    SELECT id, hall_id, username, display_name, staff_no, role, password_hash, disabled, created_at,
           locked_until, password_changed_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
