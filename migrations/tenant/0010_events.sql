-- Events of the portal's calendar ("agenda"): made by référents and admins,
-- or by residents when the portal allows it (then they wait for a
-- moderator, like posts under premoderation). Events are free and open to
-- all.
CREATE TABLE events (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category_code     text NOT NULL REFERENCES categories (code),
    title             text NOT NULL CHECK (char_length(title) BETWEEN 5 AND 120),
    description       text NOT NULL CHECK (char_length(description) BETWEEN 20 AND 4000),
    -- Where: a commune (its EPCI stored, for lists by territory and the
    -- référents' scopes, exactly like posts), a street address there, or
    -- online with a link (the commune is then the organiser's).
    commune_code      text NOT NULL CHECK (commune_code ~ '^[0-9][0-9AB][0-9]{3}$'),
    epci_code         text NOT NULL,
    address           text NOT NULL DEFAULT '' CHECK (char_length(address) <= 200),
    online            boolean NOT NULL DEFAULT false,
    online_url        text NOT NULL DEFAULT '' CHECK (char_length(online_url) <= 500),
    CHECK (NOT online OR online_url <> ''),
    -- The first occurrence; later ones keep its wall-clock times in
    -- Europe/Paris, whatever the daylight saving time.
    starts_at         timestamptz NOT NULL,
    ends_at           timestamptz NOT NULL CHECK (ends_at > starts_at),
    -- Places per occurrence; NULL means no limit.
    capacity          integer CHECK (capacity IS NULL OR capacity BETWEEN 1 AND 10000),
    accessibility     text NOT NULL DEFAULT '' CHECK (char_length(accessibility) <= 1000),
    -- A relayed event is organised elsewhere: a link to its organiser.
    organiser_name    text NOT NULL DEFAULT '' CHECK (char_length(organiser_name) <= 100),
    organiser_url     text NOT NULL DEFAULT '' CHECK (char_length(organiser_url) <= 500),
    -- Recurrence: none, every N weeks on some weekdays (RFC 5545 codes MO…SU),
    -- or every N months on the nth weekday (1 to 5, -1 for the last), until a
    -- day or for a number of occurrences, minus cancelled days.
    recurrence        text NOT NULL DEFAULT 'aucune' CHECK (recurrence IN ('aucune', 'hebdomadaire', 'mensuelle')),
    interval_n        integer NOT NULL DEFAULT 1 CHECK (interval_n BETWEEN 1 AND 12),
    weekdays          text[] NOT NULL DEFAULT '{}' CHECK (weekdays <@ ARRAY['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU']),
    month_week        smallint CHECK (month_week IS NULL OR month_week IN (-1, 1, 2, 3, 4, 5)),
    until_day         date,
    occurrence_count  integer CHECK (occurrence_count IS NULL OR occurrence_count BETWEEN 1 AND 200),
    exceptions        date[] NOT NULL DEFAULT '{}',
    -- Who may see it, as for posts: waiting for a moderator, everyone, or
    -- hidden by a moderator (with the reason, shown to its author).
    visibility        text NOT NULL DEFAULT 'visible' CHECK (visibility IN ('en_attente', 'visible', 'masquee')),
    moderation_reason text,
    cancelled_at      timestamptz,
    author_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX events_listed ON events (starts_at) WHERE visibility = 'visible';
CREATE INDEX events_listed_epci ON events (epci_code, starts_at) WHERE visibility = 'visible';
CREATE INDEX events_author ON events (author_id);
-- The moderation queue reads pending events by territory and theme.
CREATE INDEX events_pending ON events (epci_code, category_code) WHERE visibility = 'en_attente';

-- Sign-ups, per occurrence (its day in Europe/Paris). Past the capacity,
-- people wait in line, first come first served.
CREATE TABLE event_signups (
    event_id    bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    day         date NOT NULL,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status      text NOT NULL CHECK (status IN ('inscrit', 'attente')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- When the reminder of the day before was sent, so it is sent once.
    reminded_at timestamptz,
    PRIMARY KEY (event_id, day, user_id)
);

CREATE INDEX event_signups_user ON event_signups (user_id, day);
CREATE INDEX event_signups_reminders ON event_signups (day) WHERE status = 'inscrit' AND reminded_at IS NULL;

-- The secret address of a person's own calendar of sign-ups: calendar apps
-- cannot sign in. Only a hash is kept; a new address replaces the old one.
CREATE TABLE calendar_feeds (
    user_id     bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
