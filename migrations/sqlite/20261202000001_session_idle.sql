-- Console sessions end 30 minutes after their last request (and 12 hours after sign-in):
-- the time of the last request. Sessions from before have none and must sign in again.
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;

-- Sign-in, sign-up and invite attempts are counted before the password is hashed; rows whose
-- window has passed are pruned by the hour.
CREATE INDEX sign_in_throttle_by_window ON sign_in_throttle (window_start);
