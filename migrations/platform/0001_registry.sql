-- The registry of portals this database holds. The slug is the immutable
-- identity; name and département are copied from tenants/ for operators'
-- queries and may change.
CREATE TABLE tenants (
    slug             text PRIMARY KEY CHECK (slug ~ '^[a-z][a-z0-9_]{1,39}$'),
    schema_name      text NOT NULL UNIQUE,
    name             text NOT NULL,
    departement      text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- Set when the last migration run failed on this portal, cleared on success.
    last_error       text,
    last_error_at    timestamptz
);
