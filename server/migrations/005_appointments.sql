-- Appointments (预约). One row per booking; a move changes its slot in place, so the code and the
-- manage link stay the same. The mobile number is kept (for the per-number limits and the
-- service desk) but is only ever shown masked. The manage link's token is stored as SHA-256 only.

CREATE TABLE bookings (
    id                INTEGER PRIMARY KEY,
    hall_id           INTEGER NOT NULL REFERENCES halls(id),
    code              TEXT NOT NULL UNIQUE,
    manage_token_hash TEXT NOT NULL UNIQUE,
    service           TEXT NOT NULL,
    slot_date         TEXT NOT NULL,
    slot_start        TEXT NOT NULL,
    slot_end          TEXT NOT NULL,
    mobile            TEXT NOT NULL,
    name              TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL CHECK (state IN ('booked', 'cancelled', 'checked_in', 'no_show')),
    ticket_id         INTEGER REFERENCES tickets(id),
    on_time           INTEGER,
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX bookings_by_slot ON bookings (hall_id, service, slot_date, slot_start, state);
CREATE INDEX bookings_by_mobile ON bookings (hall_id, mobile, state);
