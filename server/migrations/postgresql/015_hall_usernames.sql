-- As ../015_hall_usernames.sql: a user name is unique within its hall, not across the deployment.

ALTER TABLE users DROP CONSTRAINT users_username_key;
ALTER TABLE users ADD CONSTRAINT users_hall_username_key UNIQUE (hall_id, username);
