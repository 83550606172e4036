-- 差评 cases (国办发〔2019〕51号): a 不满意 / 非常不满意 rating opens one, in the same transaction as
-- the rating; supervisors follow it up, rectify or hear an appeal, and close it with a note
-- (hall/cases.py). Who, what item, window and clerk come from the ticket and its events; the
-- case keeps only where it stands. Its steps are append-only like the event log.

CREATE TABLE bad_rating_cases (
    id           INTEGER PRIMARY KEY,
    hall_id      INTEGER NOT NULL REFERENCES halls(id),
    ticket_id    INTEGER NOT NULL UNIQUE REFERENCES tickets(id),
    rating       INTEGER NOT NULL CHECK (rating IN (1, 2)),
    opened_at    TEXT NOT NULL,
    due_at       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'followed_up', 'appealed', 'rectified',
                                                 'appeal_upheld', 'closed')),
    appealed_by  TEXT,
    outcome      TEXT CHECK (outcome IN ('rectified', 'appeal_upheld')),
    closed_at    TEXT
);
CREATE INDEX bad_rating_cases_by_status ON bad_rating_cases (hall_id, status);
CREATE INDEX bad_rating_cases_by_opening ON bad_rating_cases (hall_id, opened_at);

CREATE TABLE bad_rating_case_steps (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES bad_rating_cases(id),
    step         TEXT NOT NULL,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    note         TEXT NOT NULL,
    from_status  TEXT NOT NULL,
    to_status    TEXT NOT NULL
);
CREATE INDEX bad_rating_case_steps_by_case ON bad_rating_case_steps (case_id, id);

CREATE TRIGGER bad_rating_case_steps_append_only_update BEFORE UPDATE ON bad_rating_case_steps
BEGIN
    SELECT RAISE(ABORT, 'case steps are append-only');
END;

CREATE TRIGGER bad_rating_case_steps_append_only_delete BEFORE DELETE ON bad_rating_case_steps
BEGIN
    SELECT RAISE(ABORT, 'case steps are append-only');
END;
