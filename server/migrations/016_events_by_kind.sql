-- The day's ratings (supervision reads them after every burst of commands) and a 差评 case's
-- rating are found by the kind of event, not by walking the hall's whole log for them.
CREATE INDEX events_by_kind ON events (hall_id, kind, at);
