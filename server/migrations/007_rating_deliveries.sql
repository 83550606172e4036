-- The provincial 好差评 uploader's delivery log: one row per attempt to hand a day's ratings over.

CREATE TABLE rating_deliveries (
    id           INTEGER PRIMARY KEY,
    hall_id      INTEGER NOT NULL REFERENCES halls(id),
    business_date TEXT NOT NULL,
    at           TEXT NOT NULL,
    destination  TEXT NOT NULL,
    rows         INTEGER NOT NULL,
    attempts     INTEGER NOT NULL,
    result       TEXT NOT NULL CHECK (result IN ('delivered', 'failed')),
    detail       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX rating_deliveries_by_day ON rating_deliveries (hall_id, business_date);
