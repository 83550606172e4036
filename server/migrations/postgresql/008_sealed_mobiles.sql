-- As ../008_sealed_mobiles.sql: booking mobile numbers sealed at rest; the clear-text column
-- goes. The Python step seals any number still in clear text; without it, a database that
-- still holds one is refused by the check below rather than losing it.

ALTER TABLE bookings ADD COLUMN mobile_sealed TEXT;
ALTER TABLE bookings ADD COLUMN mobile_index TEXT;
ALTER TABLE bookings ADD COLUMN at_desk INTEGER NOT NULL DEFAULT 0;
UPDATE bookings SET at_desk = 1, mobile = '' WHERE mobile = 'desk';

-- jiaohao: step

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM bookings WHERE mobile != '') THEN
        RAISE EXCEPTION 'bookings still hold mobile numbers in clear text';
    END IF;
END
$$;

DROP INDEX bookings_by_mobile;
ALTER TABLE bookings DROP COLUMN mobile;
CREATE INDEX bookings_by_mobile ON bookings (hall_id, mobile_index, state);

ALTER TABLE bookings ADD COLUMN remind INTEGER NOT NULL DEFAULT 0;
