-- Notifications (issue 23). A citizen's wish to be told (per ticket), the outbox of messages to
-- send, and the delivery log of every attempt. Numbers are sealed as in bookings (008): the
-- key is in the data directory, the index is a keyed HMAC.

CREATE TABLE notify_subscriptions (
    ticket_id      INTEGER PRIMARY KEY REFERENCES tickets(id),
    hall_id        INTEGER NOT NULL REFERENCES halls(id),
    business_date  TEXT NOT NULL,
    mobile_sealed  TEXT,
    mobile_index   TEXT,
    openid_sealed  TEXT,                -- a WeChat follower's openid, for the wechat provider
    ahead          INTEGER NOT NULL,    -- wants "N ahead"
    called         INTEGER NOT NULL,    -- wants "called"
    ahead_done     INTEGER NOT NULL DEFAULT 0,   -- its "N ahead" was queued, or can no longer be
    via            TEXT NOT NULL CHECK (via IN ('phone', 'kiosk')),
    created_at     TEXT NOT NULL
);
CREATE INDEX notify_subscriptions_awaiting_ahead ON notify_subscriptions (hall_id, ahead_done, ahead);

CREATE TABLE notify_outbox (
    id             INTEGER PRIMARY KEY,
    hall_id        INTEGER NOT NULL REFERENCES halls(id),
    idem_key       TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL CHECK (kind IN ('ahead', 'called', 'reminder')),
    ticket_id      INTEGER REFERENCES tickets(id),
    booking_id     INTEGER REFERENCES bookings(id),
    mobile_sealed  TEXT,
    mobile_index   TEXT,
    openid_sealed  TEXT,
    number         TEXT NOT NULL DEFAULT '',
    service        TEXT NOT NULL DEFAULT '',
    window         INTEGER,
    ahead          INTEGER NOT NULL DEFAULT 0,   -- the people ahead an "ahead" message tells of
    text           TEXT NOT NULL,
    text_en        TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'dropped')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_at        TEXT NOT NULL,       -- not before this time (a retry's backoff, a claim's lease)
    done_at        TEXT,
    detail         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notify_outbox_due ON notify_outbox (state, next_at);
CREATE INDEX notify_outbox_by_mobile ON notify_outbox (mobile_index, done_at);

CREATE TABLE notify_attempts (
    id          INTEGER PRIMARY KEY,
    hall_id     INTEGER NOT NULL REFERENCES halls(id),
    outbox_id   INTEGER NOT NULL REFERENCES notify_outbox(id),
    at          TEXT NOT NULL,
    provider    TEXT NOT NULL,
    result      TEXT NOT NULL CHECK (result IN ('sent', 'failed', 'dropped')),
    detail      TEXT NOT NULL DEFAULT '',
    millis      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notify_attempts_by_time ON notify_attempts (hall_id, at);
