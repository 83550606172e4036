-- As ../014_shared_by_processes.sql: the live server processes and the devices each has
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
