-- The last TOTP time step a user signed in with: a code works once.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
