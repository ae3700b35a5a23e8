-- Moderation by référents: what waits for them, what they decided, and why.

-- A post waits in the queue from queued_at until a référent decides: it was
-- held by premoderation (visibility 'en_attente') or flagged by the
-- portal's flag words (flags). A hidden post keeps the référent's reason,
-- which its author sees.
ALTER TABLE posts
    ADD COLUMN queued_at         timestamptz,
    ADD COLUMN flags             text[] NOT NULL DEFAULT '{}',
    ADD COLUMN moderation_reason text NOT NULL DEFAULT '' CHECK (char_length(moderation_reason) <= 500),
    ADD COLUMN moderated_at      timestamptz;

UPDATE posts SET queued_at = updated_at WHERE visibility = 'en_attente';

CREATE INDEX posts_queued ON posts (queued_at) WHERE queued_at IS NOT NULL;

-- A message a référent hid stays in the conversation as "masqué", with the
-- reason shown to its sender; restoring it shows it again.
ALTER TABLE messages
    ADD COLUMN hidden_at     timestamptz,
    ADD COLUMN hidden_reason text NOT NULL DEFAULT '' CHECK (char_length(hidden_reason) <= 500);

-- Which decision closed a report, so the reporter can be told.
ALTER TABLE reports ADD COLUMN decision_id bigint;
CREATE INDEX reports_target ON reports (target_kind, target_id) WHERE handled_at IS NULL;

-- Every moderation decision, for the département admin: who, what, on
-- what, why, when. Names and titles are copied when the decision is made,
-- so the log still reads after a post or an account is deleted. A deleted
-- post's text is not kept here: deleting is for content that must go.
CREATE TABLE moderation_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at    timestamptz NOT NULL DEFAULT now(),
    moderator_id  bigint REFERENCES users (id) ON DELETE SET NULL,
    moderator_name text NOT NULL,
    action        text NOT NULL CHECK (action IN ('approve', 'hide', 'restore', 'delete', 'edit_title', 'warn', 'suspend', 'lift')),
    target_kind   text NOT NULL CHECK (target_kind IN ('post', 'message', 'person')),
    target_id     bigint NOT NULL,
    -- The post's title, or the person's name, when the decision was made.
    target_label  text NOT NULL DEFAULT '',
    -- The person the decision concerns: the author or the sender.
    person_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    person_name   text NOT NULL DEFAULT '',
    -- Where the item was: it decides who may read the entry and lift a
    -- suspension made from it.
    epci_code     text,
    category_code text,
    reason        text NOT NULL DEFAULT '' CHECK (char_length(reason) <= 500),
    -- What changed besides: the new title, the end of a suspension.
    detail        text NOT NULL DEFAULT '' CHECK (char_length(detail) <= 500),
    -- Since when the item was waiting, for decisions that clear it from the
    -- queue: the time to a decision is created_at - queued_since.
    queued_since  timestamptz,
    reports_closed integer NOT NULL DEFAULT 0
);

CREATE INDEX moderation_log_recent ON moderation_log (created_at DESC, id DESC);
CREATE INDEX moderation_log_person ON moderation_log (person_id, created_at DESC);
