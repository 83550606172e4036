-- As ../018_shared_by_processes.sql: the live server processes and the devices each has
-- connected, shared by every process of the deployment.

CREATE TABLE server_processes (
    process     TEXT PRIMARY KEY,
    started_at  TEXT NOT NULL,
    beat_at     TEXT NOT NULL
);

CREATE TABLE live_connections (
    process       TEXT NOT NULL,
    sid           TEXT NOT NULL,
    hall_id       BIGINT NOT NULL REFERENCES halls(id),
    device_id     BIGINT NOT NULL REFERENCES devices(id),
    connected_at  TEXT NOT NULL,
    PRIMARY KEY (process, sid)
);
CREATE INDEX live_connections_hall ON live_connections (hall_id);

CREATE TABLE rate_buckets (
    key     TEXT PRIMARY KEY,
    tokens  DOUBLE PRECISION NOT NULL,
    seen    DOUBLE PRECISION NOT NULL
);

CREATE TABLE sign_in_attempts (
    key  TEXT NOT NULL,
    at   DOUBLE PRECISION NOT NULL
);
CREATE INDEX sign_in_attempts_key ON sign_in_attempts (key, at);
