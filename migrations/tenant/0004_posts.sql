-- Requests ("demandes") and offers ("propositions") of help.
CREATE TABLE posts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('demande', 'proposition')),
    category_code text NOT NULL REFERENCES categories (code),
    title         text NOT NULL CHECK (char_length(title) BETWEEN 5 AND 100),
    description   text NOT NULL CHECK (char_length(description) BETWEEN 20 AND 4000),
    -- Where: the commune (INSEE code) and its EPCI, stored so that lists by
    -- territory and référents' scopes need no lookup.
    commune_code  text NOT NULL CHECK (commune_code ~ '^[0-9][0-9AB][0-9]{3}$'),
    epci_code     text NOT NULL,
    -- How: on site, at a distance, by phone (at least one).
    modes         text[] NOT NULL CHECK (cardinality(modes) > 0 AND modes <@ ARRAY['sur_place', 'a_distance', 'telephone']),
    -- When: a date, a period, a recurring availability, or whenever suits.
    when_kind     text NOT NULL CHECK (when_kind IN ('date', 'periode', 'regulier', 'souple')),
    date_from     date,
    date_to       date CHECK (date_to IS NULL OR date_from IS NULL OR date_to >= date_from),
    recurrence    text NOT NULL DEFAULT '' CHECK (char_length(recurrence) <= 100),
    urgent        boolean NOT NULL DEFAULT false,
    status        text NOT NULL DEFAULT 'ouverte' CHECK (status IN ('ouverte', 'en_cours', 'realisee', 'retiree', 'expiree')),
    -- Who may see it: waiting for a référent (premoderation), everyone, or
    -- hidden by a moderator (kept, and still shown to its author).
    visibility    text NOT NULL DEFAULT 'visible' CHECK (visibility IN ('en_attente', 'visible', 'masquee')),
    -- Deleting an account deletes its posts, as the deletion page says.
    author_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    -- When the author was told the post would expire soon, so they are
    -- told once per renewal.
    expiry_warned_at timestamptz,
    search        tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('extensions.french_unaccent', title), 'A') ||
        setweight(to_tsvector('extensions.french_unaccent', description), 'B')) STORED
);

CREATE INDEX posts_search ON posts USING gin (search);
-- The public list: open, visible posts, newest first, by territory.
CREATE INDEX posts_listed ON posts (created_at DESC) WHERE status = 'ouverte' AND visibility = 'visible';
CREATE INDEX posts_listed_epci ON posts (epci_code, created_at DESC) WHERE status = 'ouverte' AND visibility = 'visible';
CREATE INDEX posts_author ON posts (author_id, created_at DESC);
CREATE INDEX posts_expiry ON posts (expires_at) WHERE status IN ('ouverte', 'en_cours');
