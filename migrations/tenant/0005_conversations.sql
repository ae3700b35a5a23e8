-- Private conversations between a post's author and a person who answered
-- it ("Je peux aider", "Ça m'intéresse"). A conversation outlives the
-- deletion of the post or of either account: the other person keeps what
-- was said, and a deleted sender shows as "compte supprimé".
CREATE TABLE conversations (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id          bigint REFERENCES posts (id) ON DELETE SET NULL,
    -- The post's title when the conversation started, shown after the post
    -- is gone.
    post_title       text NOT NULL,
    author_id        bigint REFERENCES users (id) ON DELETE SET NULL,
    responder_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_message_at  timestamptz NOT NULL DEFAULT now(),
    author_read_at   timestamptz,
    responder_read_at timestamptz,
    UNIQUE (post_id, responder_id)
);

CREATE INDEX conversations_author ON conversations (author_id, last_message_at DESC);
CREATE INDEX conversations_responder ON conversations (responder_id, last_message_at DESC);

CREATE TABLE messages (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    sender_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    body            text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 4000),
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX messages_conversation ON messages (conversation_id, id);

-- Who helped, once the author says so, and their thanks.
ALTER TABLE posts ADD COLUMN helper_id bigint REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE posts ADD COLUMN thanks text NOT NULL DEFAULT '' CHECK (char_length(thanks) <= 500);
CREATE INDEX posts_done ON posts (status) WHERE status = 'realisee';
