-- What several server processes of one deployment must share besides the halls' own rows: which
-- processes are alive (each beats on every tick of its clockwork) and which devices each one
-- has connected, so supervision sees every device of the hall whichever process it reached.
-- A process that dies stops beating; its connections stop counting at once and are removed
-- by the process that does the hall's timed work.

CREATE TABLE server_processes (
    process     TEXT PRIMARY KEY,
    started_at  TEXT NOT NULL,
    beat_at     TEXT NOT NULL
);

CREATE TABLE live_connections (
    process       TEXT NOT NULL,
    sid           TEXT NOT NULL,
    hall_id       INTEGER NOT NULL REFERENCES halls(id),
    device_id     INTEGER NOT NULL REFERENCES devices(id),
    connected_at  TEXT NOT NULL,
    PRIMARY KEY (process, sid)
);
CREATE INDEX live_connections_hall ON live_connections (hall_id);

-- The rate limits and the per-address sign-in throttle, shared by the processes of a deployment
-- on PostgreSQL (one SQLite process keeps them in memory). Keys are keyed hashes: no address,
-- mobile number or token is stored. Times are the wall clock in seconds since 1970.
CREATE TABLE rate_buckets (
    key     TEXT PRIMARY KEY,
    tokens  REAL NOT NULL,
    seen    REAL NOT NULL
);

CREATE TABLE sign_in_attempts (
    key  TEXT NOT NULL,
    at   REAL NOT NULL
);
CREATE INDEX sign_in_attempts_key ON sign_in_attempts (key, at);
