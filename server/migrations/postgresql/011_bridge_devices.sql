-- As ../011_bridge_devices.sql: the hardware bridge's device kind (PostgreSQL widens the CHECK
-- in place) and the windows a bridge acts at.

ALTER TABLE devices DROP CONSTRAINT devices_kind_check;
ALTER TABLE devices ADD CONSTRAINT devices_kind_check CHECK (kind IN ('kiosk', 'display', 'window', 'bridge'));

CREATE TABLE device_windows (
    device_id     BIGINT NOT NULL REFERENCES devices(id),
    window_number INTEGER NOT NULL,
    PRIMARY KEY (device_id, window_number)
);
