-- Tickets tied to a person (身份证 at the kiosk): only what the per-person limits need. The ID
-- number itself is never stored: `person_index` is its keyed HMAC under the hall's personal-data
-- key (server/personal.py), `masked` (110***********1234) is what a screen may show, and the
-- name is kept sealed only when the hall's [identity] keep_name asks for it. Rows are deleted
-- with the hall's other personal data after [security] personal_data_days.

CREATE TABLE ticket_people (
    ticket_id      INTEGER PRIMARY KEY REFERENCES tickets(id),
    hall_id        INTEGER NOT NULL REFERENCES halls(id),
    business_date  TEXT NOT NULL,
    service        TEXT NOT NULL,
    person_index   TEXT NOT NULL,
    masked         TEXT NOT NULL,
    name_sealed    TEXT,
    green_category TEXT
);
CREATE INDEX ticket_people_by_person ON ticket_people (hall_id, person_index, business_date);
CREATE INDEX ticket_people_by_day ON ticket_people (hall_id, business_date);

-- an attempt the per-person limit refused: a scalping (黄牛) signal, counted per item and hour
CREATE TABLE person_limit_refusals (
    id            INTEGER PRIMARY KEY,
    hall_id       INTEGER NOT NULL REFERENCES halls(id),
    business_date TEXT NOT NULL,
    service       TEXT NOT NULL,
    refused_at    TEXT NOT NULL
);
CREATE INDEX person_limit_refusals_by_day ON person_limit_refusals (hall_id, business_date);
