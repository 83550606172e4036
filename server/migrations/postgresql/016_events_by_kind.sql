-- As ../016_events_by_kind.sql: events found by their kind and time.
CREATE INDEX events_by_kind ON events (hall_id, kind, at);
