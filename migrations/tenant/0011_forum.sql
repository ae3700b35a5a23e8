-- The forum (threads and replies under the portal's categories of help)
-- and interest profiles. Both are modules a portal may switch off; their
-- tables exist on every portal so that switching a module on needs no
-- migration.

-- A thread is placed like a post: a category (the portal's categories of
-- help are the forum's categories) and, when the author gives one, a
-- commune and its EPCI, so that référents' scopes apply to it unchanged.
-- Moderation columns mean what they mean on posts.
CREATE TABLE forum_threads (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category_code     text NOT NULL REFERENCES categories (code),
    title             text NOT NULL CHECK (char_length(title) BETWEEN 5 AND 100),
    body              text NOT NULL CHECK (char_length(body) BETWEEN 2 AND 4000),
    commune_code      text CHECK (commune_code ~ '^[0-9][0-9AB][0-9]{3}$'),
    epci_code         text,
    -- A deleted account leaves its threads, shown as "compte supprimé":
    -- the replies of others belong to them.
    author_id         bigint REFERENCES users (id) ON DELETE SET NULL,
    visibility        text NOT NULL DEFAULT 'visible' CHECK (visibility IN ('en_attente', 'visible', 'masquee')),
    queued_at         timestamptz,
    flags             text[] NOT NULL DEFAULT '{}',
    moderation_reason text NOT NULL DEFAULT '' CHECK (char_length(moderation_reason) <= 500),
    moderated_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    -- The latest visible activity, to list lively threads first.
    last_activity_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT forum_threads_place CHECK ((commune_code IS NULL) = (epci_code IS NULL))
);

CREATE INDEX forum_threads_listed ON forum_threads (category_code, last_activity_at DESC) WHERE visibility = 'visible';
CREATE INDEX forum_threads_author ON forum_threads (author_id);
CREATE INDEX forum_threads_queued ON forum_threads (queued_at) WHERE queued_at IS NOT NULL;

-- A reply may quote another reply of the same thread: the quote shows the
-- quoted reply as it is now (a hidden reply is not shown through a quote).
CREATE TABLE forum_replies (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    thread_id         bigint NOT NULL REFERENCES forum_threads (id) ON DELETE CASCADE,
    author_id         bigint REFERENCES users (id) ON DELETE SET NULL,
    body              text NOT NULL CHECK (char_length(body) BETWEEN 2 AND 4000),
    quote_id          bigint REFERENCES forum_replies (id) ON DELETE SET NULL,
    visibility        text NOT NULL DEFAULT 'visible' CHECK (visibility IN ('en_attente', 'visible', 'masquee')),
    queued_at         timestamptz,
    flags             text[] NOT NULL DEFAULT '{}',
    moderation_reason text NOT NULL DEFAULT '' CHECK (char_length(moderation_reason) <= 500),
    moderated_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX forum_replies_thread ON forum_replies (thread_id, id);
CREATE INDEX forum_replies_queued ON forum_replies (queued_at) WHERE queued_at IS NOT NULL;

-- Who is told of new replies (by email, with a link, never the text).
CREATE TABLE forum_subscriptions (
    thread_id  bigint NOT NULL REFERENCES forum_threads (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (thread_id, user_id)
);

CREATE INDEX forum_subscriptions_user ON forum_subscriptions (user_id);

-- Threads and replies can be reported and moderated like posts.
ALTER TABLE reports DROP CONSTRAINT reports_target_kind_check;
ALTER TABLE reports ADD CONSTRAINT reports_target_kind_check
    CHECK (target_kind IN ('post', 'message', 'forum_thread', 'forum_reply'));
ALTER TABLE moderation_log DROP CONSTRAINT moderation_log_target_kind_check;
ALTER TABLE moderation_log ADD CONSTRAINT moderation_log_target_kind_check
    CHECK (target_kind IN ('post', 'message', 'person', 'forum_thread', 'forum_reply'));

-- Interest profiles. users.interests already holds the person's interests
-- (codes of the portal's list and free tags, in one list, so a free tag
-- "cuisine" and the listed "cuisine" are the same interest). A profile is
-- shown to other signed-in people of the portal, and suggested to
-- neighbours, only once its owner opts in.
ALTER TABLE users
    ADD COLUMN profile_public boolean NOT NULL DEFAULT false,
    ADD COLUMN profile_offer  text NOT NULL DEFAULT '' CHECK (char_length(profile_offer) <= 500);

CREATE INDEX users_profile_public ON users (epci_code) WHERE profile_public;
