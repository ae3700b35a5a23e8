-- People with an account on this portal. An account belongs to one portal:
-- the same email on two portals is two unrelated rows in two schemas.
CREATE TABLE users (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- As typed, to write to; email_key is its lower-case form, for login
    -- and uniqueness.
    email                text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
    email_key            text NOT NULL UNIQUE,
    display_name         text NOT NULL CHECK (char_length(display_name) BETWEEN 2 AND 50),
    password_hash        text NOT NULL,
    -- INSEE code of the commune the person chose; the EPCI follows from it
    -- and is stored so that scope checks need no lookup.
    commune_code         text NOT NULL CHECK (commune_code ~ '^[0-9][0-9AB][0-9]{3}$'),
    epci_code            text NOT NULL,
    interests            text[] NOT NULL DEFAULT '{}',
    -- The language the person uses, for the emails we send them.
    locale               text NOT NULL DEFAULT 'fr' CHECK (locale ~ '^[a-z]{2}$'),
    email_confirmed_at   timestamptz,
    suspended_until      timestamptz,
    suspension_reason    text,
    password_changed_at  timestamptz NOT NULL DEFAULT now(),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX users_epci ON users (epci_code);

-- One-time links sent by email: confirm an address, reset a password,
-- confirm a new address. Only a hash of the token is stored, so a copy of the
-- database cannot be used to take over accounts.
CREATE TABLE email_tokens (
    token_hash  bytea PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('confirm', 'reset', 'change_email')),
    new_email   text,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX email_tokens_user ON email_tokens (user_id, purpose);
