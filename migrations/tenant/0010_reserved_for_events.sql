-- Placeholder for 0010_events.sql (branch issue7-events), so that this
-- branch's 0011_forum.sql follows an unbroken sequence. Remove this file
-- when merging: the events migration takes its number.
SELECT 1;
