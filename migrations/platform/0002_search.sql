-- Text search shared by every portal: French stemming that ignores accents,
-- so "aide a domicile" finds "aide à domicile". It lives in its own schema,
-- outside every portal's, and portal SQL names it explicitly
-- ('extensions.french_unaccent'), so a portal's search_path stays its
-- schema alone. unaccent is a trusted extension: the database owner may
-- create it without being a superuser.
CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA extensions;

CREATE TEXT SEARCH CONFIGURATION extensions.french_unaccent (COPY = pg_catalog.french);
ALTER TEXT SEARCH CONFIGURATION extensions.french_unaccent
    ALTER MAPPING FOR hword, hword_part, word WITH extensions.unaccent, pg_catalog.french_stem;
