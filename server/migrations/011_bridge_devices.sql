-- jiaohao: rebuilds tables
-- The hall's RS-485 hardware (caller keypads, LED strips, raters) is driven by a bridge process
-- with a device token of its own kind, given a set of windows. SQLite cannot widen a CHECK in
-- place, so devices is rebuilt (https://sqlite.org/lang_altertable.html#otheralter).

CREATE TABLE devices_new (
    id            INTEGER PRIMARY KEY,
    hall_id       INTEGER NOT NULL REFERENCES halls(id),
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('kiosk', 'display', 'window', 'bridge')),
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    revoked_at    TEXT,
    last_seen_at  TEXT,
    window_number INTEGER,
    status        TEXT,
    status_at     TEXT
);
INSERT INTO devices_new (id, hall_id, name, kind, token_hash, created_at, revoked_at, last_seen_at,
                         window_number, status, status_at)
    SELECT id, hall_id, name, kind, token_hash, created_at, revoked_at, last_seen_at,
           window_number, status, status_at FROM devices;
DROP TABLE devices;
ALTER TABLE devices_new RENAME TO devices;
CREATE UNIQUE INDEX devices_live_name ON devices (hall_id, name) WHERE revoked_at IS NULL;

-- the windows a bridge acts at: their keypads, strips and raters hang on its buses
CREATE TABLE device_windows (
    device_id     INTEGER NOT NULL REFERENCES devices(id),
    window_number INTEGER NOT NULL,
    PRIMARY KEY (device_id, window_number)
);
