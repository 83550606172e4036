-- The hall's counter row: the last sequence number of its log. Every write transaction that
-- changes a hall takes this row first (UPDATE ... RETURNING), which is how the hall's writers
-- go one at a time on a database several server processes share, and the next event's seq is
-- counted here rather than as MAX(seq) + 1.

CREATE TABLE hall_counters (
    hall_id   INTEGER PRIMARY KEY REFERENCES halls(id),
    last_seq  INTEGER NOT NULL CHECK (last_seq >= 0)
);
INSERT INTO hall_counters (hall_id, last_seq)
    SELECT h.id, COALESCE((SELECT MAX(e.seq) FROM events e WHERE e.hall_id = h.id), 0) FROM halls h;
