-- Events proposed by residents wait in the référents' queue like posts;
-- their decisions are logged, and events can be reported.
ALTER TABLE moderation_log DROP CONSTRAINT moderation_log_target_kind_check;
ALTER TABLE moderation_log ADD CONSTRAINT moderation_log_target_kind_check
    CHECK (target_kind IN ('post', 'message', 'person', 'forum_thread', 'forum_reply', 'event'));
ALTER TABLE reports DROP CONSTRAINT reports_target_kind_check;
ALTER TABLE reports ADD CONSTRAINT reports_target_kind_check
    CHECK (target_kind IN ('post', 'message', 'forum_thread', 'forum_reply', 'event'));
ALTER TABLE events ADD COLUMN moderated_at timestamptz;
