-- 等保 level 2: account lockout kept in the database (it survives a restart and holds for every
-- process), the age of each password, and when each session was last used (the idle timeout).

ALTER TABLE users ADD COLUMN locked_until TEXT;
ALTER TABLE users ADD COLUMN password_changed_at TEXT;
UPDATE users SET password_changed_at = created_at;

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
