-- The public list filtered by theme, or by intercommunalité and theme,
-- newest first: read in index order instead of sorting every open post of
-- the portal (measured by `make bench` at 10,000 posts per portal).
CREATE INDEX posts_listed_category ON posts (category_code, created_at DESC)
    WHERE status = 'ouverte' AND visibility = 'visible';
CREATE INDEX posts_listed_epci_category ON posts (epci_code, category_code, created_at DESC)
    WHERE status = 'ouverte' AND visibility = 'visible';
