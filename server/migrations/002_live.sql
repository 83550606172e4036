-- Sign-in sessions, window devices, ratings, and the per-hall sequence of the event log.

CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    revoked_at    TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- a window screen belongs to one window
ALTER TABLE devices ADD COLUMN window_number INTEGER;
-- what the device last reported of itself (a kiosk: its printer's state), as JSON
ALTER TABLE devices ADD COLUMN status TEXT;
ALTER TABLE devices ADD COLUMN status_at TEXT;

-- when handling of the current visit began
ALTER TABLE tickets ADD COLUMN started_at TEXT;

-- 1 非常不满意 … 5 非常满意; NULL = not rated
ALTER TABLE tickets ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 5);

-- the hall's own event sequence: what live clients count to notice a missed message
ALTER TABLE events ADD COLUMN seq INTEGER;
CREATE UNIQUE INDEX events_hall_seq ON events (hall_id, seq);

-- a kiosk that retries an issue request after a timeout gets the same ticket back, not a second one
CREATE TABLE issue_requests (
    hall_id     INTEGER NOT NULL REFERENCES halls(id),
    actor       TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (hall_id, actor, request_id)
);
