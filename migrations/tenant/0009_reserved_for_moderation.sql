-- Placeholder: version 0009 belongs to the moderation change developed at
-- the same time. Migrations may not skip a number, so this empty file lets
-- the events branch (0010) migrate on its own. DROP THIS FILE when merging
-- with the moderation change, which ships the real 0009.
SELECT 1;
