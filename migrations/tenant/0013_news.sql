-- The portal's news feed ("actualités"), written by référents and admins
-- in a small, safe Markdown, and the département's social-watch alerts
-- ("veille sociale"), which stay on top of the feed until they expire.
CREATE TABLE news (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('actualite', 'alerte')),
    title        text NOT NULL CHECK (char_length(title) BETWEEN 5 AND 120),
    body         text NOT NULL CHECK (char_length(body) BETWEEN 10 AND 20000),
    -- The author's name is kept: the feed keeps saying who wrote an item
    -- after their account is gone.
    author_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    author_name  text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    CHECK (kind <> 'alerte' OR expires_at IS NOT NULL)
);

CREATE INDEX news_recent ON news (published_at DESC, id DESC);

-- One picture per item, stored with it (no file system to share between
-- instances), checked for its type and size when uploaded.
CREATE TABLE news_images (
    news_id      bigint PRIMARY KEY REFERENCES news (id) ON DELETE CASCADE,
    content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp', 'image/gif')),
    data         bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 1048576),
    alt          text NOT NULL CHECK (char_length(alt) BETWEEN 3 AND 200)
);
