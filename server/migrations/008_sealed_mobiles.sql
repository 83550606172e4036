-- Booking mobile numbers sealed at rest (等保 level 2, personal data): the clear-text column goes.
-- `mobile_sealed` holds the number sealed with the hall's key (server/personal.py), which lives
-- in the data directory and never in the database; `mobile_index` is its keyed HMAC, for the
-- per-number limits; `at_desk` marks a booking the service desk made for someone without a phone.
-- The Python step seals each existing number; without it, a database that still holds clear
-- numbers is refused by the check below rather than losing them.

ALTER TABLE bookings ADD COLUMN mobile_sealed TEXT;
ALTER TABLE bookings ADD COLUMN mobile_index TEXT;
ALTER TABLE bookings ADD COLUMN at_desk INTEGER NOT NULL DEFAULT 0;
UPDATE bookings SET at_desk = 1, mobile = '' WHERE mobile = 'desk';

-- jiaohao: step

CREATE TEMP TABLE clear_mobiles_left (n INTEGER CHECK (n = 0));
INSERT INTO clear_mobiles_left SELECT COUNT(*) FROM bookings WHERE mobile != '';
DROP TABLE clear_mobiles_left;

DROP INDEX bookings_by_mobile;
ALTER TABLE bookings DROP COLUMN mobile;
CREATE INDEX bookings_by_mobile ON bookings (hall_id, mobile_index, state);

-- appointment reminders (a text the day before and an hour before) for those who asked
ALTER TABLE bookings ADD COLUMN remind INTEGER NOT NULL DEFAULT 0;
