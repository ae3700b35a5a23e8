-- Reports (signalements) of a post or a message, for the moderators. Where
-- the reported thing is (EPCI, category) is copied so that each référent's
-- queue can be filtered to their scope without following links that may
-- be gone.
CREATE TABLE reports (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_kind   text NOT NULL CHECK (target_kind IN ('post', 'message')),
    target_id     bigint NOT NULL,
    epci_code     text,
    category_code text,
    reporter_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    reason        text NOT NULL CHECK (reason IN ('arnaque', 'argent', 'propos', 'donnees', 'autre')),
    details       text NOT NULL DEFAULT '' CHECK (char_length(details) <= 1000),
    created_at    timestamptz NOT NULL DEFAULT now(),
    handled_at    timestamptz,
    -- One report per person and thing: reporting twice changes nothing.
    UNIQUE (target_kind, target_id, reporter_id)
);

CREATE INDEX reports_open ON reports (created_at) WHERE handled_at IS NULL;
