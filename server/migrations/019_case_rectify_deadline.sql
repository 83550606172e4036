-- A 差评 case's rectification deadline (整改期限): set when the case is followed up, `[supervision]
-- bad_rating_rectify_hours` later (hall/cases.py). Cases opened before this have none until
-- their next follow-up.

ALTER TABLE bad_rating_cases ADD COLUMN rectify_due_at TEXT;
