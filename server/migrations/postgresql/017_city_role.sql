-- As ../017_city_role.sql: the city role, which reads every hall and changes none. PostgreSQL
-- widens the CHECK in place.

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('clerk', 'supervisor', 'admin', 'auditor', 'city'));
