-- When the author asked the platform to tell the people whose posts fit
-- theirs; once per post, so nobody is told twice.
ALTER TABLE posts ADD COLUMN matches_notified_at timestamptz;
