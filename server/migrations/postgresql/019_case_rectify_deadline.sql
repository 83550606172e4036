-- As ../019_case_rectify_deadline.sql: a 差评 case's rectification deadline.

ALTER TABLE bad_rating_cases ADD COLUMN rectify_due_at TEXT;
