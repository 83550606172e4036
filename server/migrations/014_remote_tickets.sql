-- 远程取号: remote walk-in tickets for today. A row holds a place among the item's remote share
-- until the citizen activates it on site (then `ticket_id` is the ticket that joined the queue)
-- or its deadline passes (lapsed). The mobile number is kept as its keyed index and sealed, the
-- ID number only as its keyed index and masked form, as for the kiosk's tickets (013).

CREATE TABLE remote_tickets (
    id             INTEGER PRIMARY KEY,
    hall_id        INTEGER NOT NULL REFERENCES halls(id),
    code           TEXT NOT NULL UNIQUE,
    business_date  TEXT NOT NULL,
    service        TEXT NOT NULL,
    mobile_index   TEXT,
    mobile_sealed  TEXT,
    person_index   TEXT,
    masked         TEXT,
    green_category TEXT,
    state          TEXT NOT NULL CHECK (state IN ('taken', 'activated', 'lapsed')),
    taken_at       TEXT NOT NULL,
    deadline       TEXT NOT NULL,
    ticket_id      INTEGER REFERENCES tickets(id),
    activated_via  TEXT,
    changed_at     TEXT NOT NULL
);
CREATE INDEX remote_tickets_by_day ON remote_tickets (hall_id, business_date, service, state);
CREATE INDEX remote_tickets_due ON remote_tickets (hall_id, state, deadline);
CREATE INDEX remote_tickets_by_person ON remote_tickets (hall_id, person_index, business_date);

-- The remote tickets' own log: taken, activated, lapsed, one row each, never changed. The
-- hall's event log counts every row as a message live clients must hear; these are not.
CREATE TABLE remote_ticket_log (
    id            INTEGER PRIMARY KEY,
    hall_id       INTEGER NOT NULL REFERENCES halls(id),
    remote_id     INTEGER NOT NULL REFERENCES remote_tickets(id),
    business_date TEXT NOT NULL,
    service       TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('taken', 'activated', 'lapsed')),
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    ticket_id     INTEGER REFERENCES tickets(id),
    via           TEXT
);
CREATE INDEX remote_ticket_log_by_day ON remote_ticket_log (hall_id, business_date);

CREATE TRIGGER remote_ticket_log_append_only_update BEFORE UPDATE ON remote_ticket_log
BEGIN
    SELECT RAISE(ABORT, 'the remote ticket log is append-only');
END;

CREATE TRIGGER remote_ticket_log_append_only_delete BEFORE DELETE ON remote_ticket_log
BEGIN
    SELECT RAISE(ABORT, 'the remote ticket log is append-only');
END;
