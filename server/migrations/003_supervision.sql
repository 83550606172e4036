-- Electronic supervision (电子监察): alerts, and the append-only record of what happened to each.

-- One row per alert: raised, perhaps escalated from yellow to red, perhaps acknowledged by a
-- supervisor, and cleared when its condition no longer holds. At most one open per key.
CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY,
    hall_id         INTEGER NOT NULL REFERENCES halls(id),
    key             TEXT NOT NULL,          -- rule:subject, e.g. empty_window:3, wait:A01
    rule            TEXT NOT NULL,
    level           TEXT NOT NULL CHECK (level IN ('yellow', 'red')),
    subject         TEXT NOT NULL CHECK (subject IN ('window', 'item', 'ticket', 'device')),
    message         TEXT NOT NULL,
    message_en      TEXT NOT NULL,
    business_date   TEXT NOT NULL,
    window          INTEGER,               -- the window it concerns, if any (for reports)
    service         TEXT,                  -- the item it concerns, if any
    raised_at       TEXT NOT NULL,
    escalated_at    TEXT,
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    cleared_at      TEXT,
    details         TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX alerts_one_open ON alerts (hall_id, key) WHERE cleared_at IS NULL;
CREATE INDEX alerts_by_day ON alerts (hall_id, business_date);

-- Every raise, escalation, acknowledgement and clearing, in order; never changed afterwards.
CREATE TABLE alert_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    hall_id     INTEGER NOT NULL REFERENCES halls(id),
    alert_id    INTEGER NOT NULL REFERENCES alerts(id),
    action      TEXT NOT NULL CHECK (action IN ('raised', 'escalated', 'acknowledged', 'cleared')),
    level       TEXT NOT NULL,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL
);
CREATE INDEX alert_events_by_alert ON alert_events (alert_id);

CREATE TRIGGER alert_events_append_only_update BEFORE UPDATE ON alert_events
BEGIN
    SELECT RAISE(ABORT, 'the alert log is append-only');
END;

CREATE TRIGGER alert_events_append_only_delete BEFORE DELETE ON alert_events
BEGIN
    SELECT RAISE(ABORT, 'the alert log is append-only');
END;
