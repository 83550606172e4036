-- The hall's schema. Every hall-owned row carries hall_id, so one server can run many halls.

CREATE TABLE halls (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- The hall's whole setup as validated config.toml content (JSON), one row per version:
-- the newest is in force, the older ones say what it was before each change.
CREATE TABLE hall_setups (
    id          INTEGER PRIMARY KEY,
    hall_id     INTEGER NOT NULL REFERENCES halls(id),
    version     INTEGER NOT NULL,
    document    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    UNIQUE (hall_id, version)
);

-- Projections of the setup in force, so tickets and reports can join on them.
CREATE TABLE departments (
    hall_id     INTEGER NOT NULL REFERENCES halls(id),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    prefix      TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (hall_id, code)
);

CREATE TABLE services (
    hall_id          INTEGER NOT NULL REFERENCES halls(id),
    code             TEXT NOT NULL,
    department       TEXT NOT NULL,
    name             TEXT NOT NULL,
    name_en          TEXT NOT NULL,
    prefix           TEXT NOT NULL,
    handling_minutes REAL NOT NULL,
    active           INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (hall_id, code),
    FOREIGN KEY (hall_id, department) REFERENCES departments(hall_id, code)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    hall_id       INTEGER NOT NULL REFERENCES halls(id),
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    staff_no      TEXT,
    role          TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor', 'admin')),
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

CREATE TABLE windows (
    hall_id       INTEGER NOT NULL REFERENCES halls(id),
    number        INTEGER NOT NULL,
    name          TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    zone          TEXT NOT NULL DEFAULT '',
    active        INTEGER NOT NULL DEFAULT 1,
    status        TEXT NOT NULL DEFAULT 'closed' CHECK (status IN ('closed', 'open', 'paused')),
    clerk_id      INTEGER REFERENCES users(id),
    pause_reason  TEXT,
    status_since  TEXT,
    PRIMARY KEY (hall_id, number)
);

CREATE TABLE window_services (
    hall_id       INTEGER NOT NULL,
    window_number INTEGER NOT NULL,
    service_code  TEXT NOT NULL,
    priority      INTEGER NOT NULL,
    PRIMARY KEY (hall_id, window_number, service_code),
    FOREIGN KEY (hall_id, window_number) REFERENCES windows(hall_id, number),
    FOREIGN KEY (hall_id, service_code) REFERENCES services(hall_id, code)
);

CREATE TABLE devices (
    id            INTEGER PRIMARY KEY,
    hall_id       INTEGER NOT NULL REFERENCES halls(id),
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('kiosk', 'display', 'window')),
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    revoked_at    TEXT,
    last_seen_at  TEXT
);
-- a name may be reused once the old device is revoked
CREATE UNIQUE INDEX devices_live_name ON devices (hall_id, name) WHERE revoked_at IS NULL;

CREATE TABLE tickets (
    id            INTEGER PRIMARY KEY,
    hall_id       INTEGER NOT NULL REFERENCES halls(id),
    business_date TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    serial        INTEGER NOT NULL CHECK (serial > 0),
    number        TEXT NOT NULL,
    service       TEXT NOT NULL,
    issued_service TEXT NOT NULL,   -- the item it was issued for; daily caps count this
    priority      TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('waiting', 'called', 'serving', 'done', 'no_show',
                                                 'held', 'transferred', 'cancelled', 'expired')),
    issued_at     TEXT NOT NULL,
    rank_at       TEXT NOT NULL,
    boosted       INTEGER NOT NULL DEFAULT 0,
    window        INTEGER,
    target_window INTEGER,
    recalls       INTEGER NOT NULL DEFAULT 0,
    called_at     TEXT,
    no_show_at    TEXT,
    case_no       TEXT,
    hold_return   TEXT,
    hold_until    TEXT,
    track_hash    TEXT UNIQUE,
    -- the number a citizen holds is unique for the day by construction, not by counting
    UNIQUE (hall_id, business_date, prefix, serial),
    FOREIGN KEY (hall_id, service) REFERENCES services(hall_id, code)
);
CREATE INDEX tickets_by_state ON tickets (hall_id, state);
CREATE INDEX tickets_by_day ON tickets (hall_id, business_date);

-- Every change of a ticket or a window, in order. Statistics are computed from here.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    hall_id     INTEGER NOT NULL REFERENCES halls(id),
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    ticket_id   INTEGER REFERENCES tickets(id),
    window      INTEGER,
    actor       TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT,
    details     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_by_ticket ON events (ticket_id);
CREATE INDEX events_by_hall_time ON events (hall_id, at);

CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;

CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;
