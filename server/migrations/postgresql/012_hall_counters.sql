-- As ../012_hall_counters.sql: the hall's counter row, taken first by every write transaction
-- that changes the hall (UPDATE ... RETURNING at READ COMMITTED), so the hall's writers in all
-- processes go one at a time; it also counts the log's sequence numbers.

CREATE TABLE hall_counters (
    hall_id   BIGINT PRIMARY KEY REFERENCES halls(id),
    last_seq  BIGINT NOT NULL CHECK (last_seq >= 0)
);
INSERT INTO hall_counters (hall_id, last_seq)
    SELECT h.id, COALESCE((SELECT MAX(e.seq) FROM events e WHERE e.hall_id = h.id), 0) FROM halls h;
