-- The categories of help a portal offers. tenants/<slug>.yaml is the source;
-- provisioning copies it here so that posts can reference a category by
-- code, and a category removed from the file is archived, not deleted,
-- because old posts still point at it.
CREATE TABLE categories (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code         text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
    -- Labels and descriptions per locale: {"fr": "...", "en": "..."}.
    label        jsonb NOT NULL,
    description  jsonb NOT NULL,
    position     integer NOT NULL,
    archived_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX categories_active_position ON categories (position) WHERE archived_at IS NULL;
