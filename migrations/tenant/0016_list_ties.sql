-- The public list orders posts newest first and, between posts of the same
-- instant, by id (help's listSQL). These two indexes now hold that whole
-- order, so a page is read straight from them, with no sort of ties.
--
-- It matters most for the list a signed-in resident sees first (their
-- intercommunalité's posts, then the others'). That statement keeps one
-- plan for every intercommunalité instead of being planned again on each
-- request. With created_at alone in the index, a plan made without knowing
-- the intercommunalité walked the portal's newest posts looking for 20 of
-- it: fine for one with many posts, but it read all 9,000 open posts of a
-- portal for one with none (68 ms). With the whole order in
-- posts_listed_epci, its posts come first from the index, whatever their
-- number.
DROP INDEX posts_listed;
CREATE INDEX posts_listed ON posts (created_at DESC, id DESC)
    WHERE status = 'ouverte' AND visibility = 'visible';
DROP INDEX posts_listed_epci;
CREATE INDEX posts_listed_epci ON posts (epci_code, created_at DESC, id DESC)
    WHERE status = 'ouverte' AND visibility = 'visible';
