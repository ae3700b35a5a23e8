-- Authorization (internal/authz). Two tables, both in the portal's schema, so
-- that one portal's grants can never be read or changed through another's.

-- Casbin rules, in the layout Casbin adapters share (ptype, v0..v5). Today
-- only grants are stored here ("g, user:42, role:referent_territoire, <slug>"
-- and one row per scope); what each role may do is code, the same on every
-- portal. Unused fields are '' rather than NULL so that the unique constraint
-- sees two identical rules as duplicates (NULLs are all distinct).
CREATE TABLE casbin_rule (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The model has p (policies) and g (grants); a new section needs a new
    -- migration, which is the point.
    ptype  text NOT NULL CHECK (ptype IN ('p', 'g')),
    v0     text NOT NULL DEFAULT '',
    v1     text NOT NULL DEFAULT '',
    v2     text NOT NULL DEFAULT '',
    v3     text NOT NULL DEFAULT '',
    v4     text NOT NULL DEFAULT '',
    v5     text NOT NULL DEFAULT '',
    -- Its index also serves "the grants of user X" (ptype, v0).
    CONSTRAINT casbin_rule_unique UNIQUE (ptype, v0, v1, v2, v3, v4, v5)
);

-- Every grant and revocation: who, what, when. Rows are only ever inserted.
-- The people involved are kept by id without a foreign key, with their
-- display name at the time: the log must keep saying who did what after an
-- account is deleted, and ids are identities that are never reused.
CREATE TABLE role_audit (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    -- 'operator' is a platform operator acting through the command line,
    -- who has no account on the portal; 'user' is an account of the portal.
    -- Said explicitly rather than by a NULL id, which a deleted account
    -- could be mistaken for.
    actor_kind     text NOT NULL CHECK (actor_kind IN ('user', 'operator')),
    actor_user_id  bigint,
    -- The actor's display name at the time, or the operator's label.
    actor_label    text NOT NULL,
    user_id        bigint NOT NULL,
    user_label     text NOT NULL,
    action         text NOT NULL CHECK (action IN ('grant', 'revoke')),
    -- 'resident' is implicit for every account and never granted.
    role           text NOT NULL CHECK (role IN ('association', 'referent_thematique', 'referent_territoire', 'admin_departement')),
    -- EPCI SIRENs or category codes; empty for roles without scope.
    scopes         text[] NOT NULL DEFAULT '{}',
    CONSTRAINT role_audit_actor CHECK ((actor_kind = 'user') = (actor_user_id IS NOT NULL))
);

-- The audit page lists the latest changes first.
CREATE INDEX role_audit_at ON role_audit (at DESC, id DESC);
CREATE INDEX role_audit_user ON role_audit (user_id);
