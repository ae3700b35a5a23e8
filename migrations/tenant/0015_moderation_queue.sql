-- The moderation queue, kept up to date by the database itself.
--
-- What waits for a référent was worked out on every visit of the queue
-- from posts, reports, messages, forum threads and replies and events:
-- 2.5 ms for a portal's 140 waiting items, most of the queue page's time
-- (make bench). moderation_waiting says what waits, as that query did;
-- moderation_queue holds its answer, one row per item, and triggers on
-- every table the view reads refresh the rows a change can touch, in the
-- same transaction as the change, whatever code made it.

-- One row per reason an item waits: a post or forum thread held by
-- premoderation ('attente') or flagged by the portal's flag words
-- ('mots'), a flagged forum reply, an event proposed by a resident, and
-- each open report ('signalement'). A post is placed where it is now; a
-- reported message where its post is, or was when reported (the post may
-- be gone); a forum thread or reply where the thread is; an event where it
-- takes place. Reports of something that no longer exists are left out:
-- there is nothing left to decide.
CREATE VIEW moderation_waiting AS
    SELECT 'post' AS kind, p.id, p.epci_code, p.category_code, p.queued_at AS since, w.why
      FROM posts p
     CROSS JOIN LATERAL (VALUES (CASE WHEN p.visibility = 'en_attente' THEN 'attente' END),
                                (CASE WHEN cardinality(p.flags) > 0 THEN 'mots' END)) w (why)
     WHERE p.queued_at IS NOT NULL AND w.why IS NOT NULL
    UNION ALL
    SELECT r.target_kind, r.target_id,
           coalesce(p.epci_code, mp.epci_code, ft.epci_code, frt.epci_code, ev.epci_code, r.epci_code),
           coalesce(p.category_code, mp.category_code, ft.category_code, frt.category_code, ev.category_code, r.category_code),
           r.created_at, 'signalement'
      FROM reports r
      LEFT JOIN posts p ON r.target_kind = 'post' AND p.id = r.target_id
      LEFT JOIN messages m ON r.target_kind = 'message' AND m.id = r.target_id
      LEFT JOIN conversations c ON c.id = m.conversation_id
      LEFT JOIN posts mp ON mp.id = c.post_id
      LEFT JOIN forum_threads ft ON r.target_kind = 'forum_thread' AND ft.id = r.target_id
      LEFT JOIN forum_replies fr ON r.target_kind = 'forum_reply' AND fr.id = r.target_id
      LEFT JOIN forum_threads frt ON frt.id = fr.thread_id
      LEFT JOIN events ev ON r.target_kind = 'event' AND ev.id = r.target_id
     WHERE r.handled_at IS NULL AND (p.id IS NOT NULL OR m.id IS NOT NULL OR ft.id IS NOT NULL OR fr.id IS NOT NULL OR ev.id IS NOT NULL)
    UNION ALL
    SELECT 'forum_thread', t.id, t.epci_code, t.category_code, t.queued_at, w.why
      FROM forum_threads t
     CROSS JOIN LATERAL (VALUES (CASE WHEN t.visibility = 'en_attente' THEN 'attente' END),
                                (CASE WHEN cardinality(t.flags) > 0 THEN 'mots' END)) w (why)
     WHERE t.queued_at IS NOT NULL AND w.why IS NOT NULL
    UNION ALL
    SELECT 'forum_reply', fr.id, t.epci_code, t.category_code, fr.queued_at, 'mots'
      FROM forum_replies fr JOIN forum_threads t ON t.id = fr.thread_id
     WHERE fr.queued_at IS NOT NULL AND cardinality(fr.flags) > 0
    UNION ALL
    SELECT 'event', e.id, e.epci_code, e.category_code, e.updated_at, 'attente'
      FROM events e
     WHERE e.visibility = 'en_attente' AND e.cancelled_at IS NULL;

-- One row per waiting item: where it is (its first EPCI and category by
-- the view, '' for none), since when it waits (its oldest reason) and all
-- its reasons.
CREATE TABLE moderation_queue (
    kind          text NOT NULL,
    id            bigint NOT NULL,
    epci_code     text NOT NULL,
    category_code text NOT NULL,
    since         timestamptz NOT NULL,
    whys          text[] NOT NULL,
    PRIMARY KEY (kind, id)
);

CREATE INDEX moderation_queue_since ON moderation_queue (since, kind, id);

-- moderation_queue_refresh makes an item's row what the view says now.
-- The functions carry the search_path they were created with (the
-- portal's schema alone): a trigger fires on any write, including an
-- operator's from psql with another search_path, and must still read and
-- write this portal's tables.
CREATE FUNCTION moderation_queue_refresh(p_kind text, p_id bigint) RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $$
    DELETE FROM moderation_queue WHERE kind = p_kind AND id = p_id;
    INSERT INTO moderation_queue (kind, id, epci_code, category_code, since, whys)
    SELECT kind, id, coalesce(min(epci_code), ''), coalesce(min(category_code), ''), min(since),
           array_agg(DISTINCT why ORDER BY why)
      FROM moderation_waiting
     WHERE kind = p_kind AND id = p_id
     GROUP BY kind, id;
$$;

CREATE FUNCTION moderation_queue_on_change() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    r record;
BEGIN
    IF TG_OP = 'DELETE' THEN
        r := OLD;
    ELSE
        r := NEW;
    END IF;
    CASE TG_TABLE_NAME
    WHEN 'posts' THEN
        PERFORM moderation_queue_refresh('post', r.id);
        -- Its reported messages waiting in the queue are placed where it is.
        PERFORM moderation_queue_refresh('message', q.id)
           FROM moderation_queue q JOIN messages m ON m.id = q.id JOIN conversations c ON c.id = m.conversation_id
          WHERE q.kind = 'message' AND c.post_id = r.id;
    WHEN 'reports' THEN
        PERFORM moderation_queue_refresh(r.target_kind, r.target_id);
        IF TG_OP = 'UPDATE' AND (OLD.target_kind, OLD.target_id) IS DISTINCT FROM (NEW.target_kind, NEW.target_id) THEN
            PERFORM moderation_queue_refresh(OLD.target_kind, OLD.target_id);
        END IF;
    WHEN 'messages' THEN
        PERFORM moderation_queue_refresh('message', r.id);
    WHEN 'conversations' THEN
        PERFORM moderation_queue_refresh('message', q.id)
           FROM moderation_queue q JOIN messages m ON m.id = q.id
          WHERE q.kind = 'message' AND m.conversation_id = r.id;
    WHEN 'forum_threads' THEN
        PERFORM moderation_queue_refresh('forum_thread', r.id);
        -- Its replies waiting in the queue are placed where it is.
        PERFORM moderation_queue_refresh('forum_reply', q.id)
           FROM moderation_queue q JOIN forum_replies fr ON fr.id = q.id
          WHERE q.kind = 'forum_reply' AND fr.thread_id = r.id;
    WHEN 'forum_replies' THEN
        PERFORM moderation_queue_refresh('forum_reply', r.id);
    WHEN 'events' THEN
        PERFORM moderation_queue_refresh('event', r.id);
    END CASE;
    RETURN NULL;
END
$$;

-- Each trigger fires on the changes that can move an item in or out of the
-- view, or change its place, date or reasons; the others (a post's text,
-- a conversation's last message) cost nothing. A deleted conversation
-- takes its messages, whose own trigger fires.
CREATE TRIGGER moderation_queue_posts_insert AFTER INSERT ON posts
    FOR EACH ROW WHEN (NEW.queued_at IS NOT NULL) EXECUTE FUNCTION moderation_queue_on_change();
CREATE TRIGGER moderation_queue_posts_update AFTER UPDATE ON posts
    FOR EACH ROW WHEN ((OLD.queued_at, OLD.visibility, OLD.flags, OLD.epci_code, OLD.category_code)
                       IS DISTINCT FROM (NEW.queued_at, NEW.visibility, NEW.flags, NEW.epci_code, NEW.category_code))
    EXECUTE FUNCTION moderation_queue_on_change();
CREATE TRIGGER moderation_queue_posts_delete AFTER DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION moderation_queue_on_change();

CREATE TRIGGER moderation_queue_reports AFTER INSERT OR UPDATE OR DELETE ON reports
    FOR EACH ROW EXECUTE FUNCTION moderation_queue_on_change();

CREATE TRIGGER moderation_queue_messages_update AFTER UPDATE ON messages
    FOR EACH ROW WHEN (OLD.conversation_id IS DISTINCT FROM NEW.conversation_id)
    EXECUTE FUNCTION moderation_queue_on_change();
CREATE TRIGGER moderation_queue_messages_delete AFTER DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION moderation_queue_on_change();

CREATE TRIGGER moderation_queue_conversations AFTER UPDATE ON conversations
    FOR EACH ROW WHEN (OLD.post_id IS DISTINCT FROM NEW.post_id)
    EXECUTE FUNCTION moderation_queue_on_change();

CREATE TRIGGER moderation_queue_forum_threads_insert AFTER INSERT ON forum_threads
    FOR EACH ROW WHEN (NEW.queued_at IS NOT NULL) EXECUTE FUNCTION moderation_queue_on_change();
CREATE TRIGGER moderation_queue_forum_threads_update AFTER UPDATE ON forum_threads
    FOR EACH ROW WHEN ((OLD.queued_at, OLD.visibility, OLD.flags, OLD.epci_code, OLD.category_code)
                       IS DISTINCT FROM (NEW.queued_at, NEW.visibility, NEW.flags, NEW.epci_code, NEW.category_code))
    EXECUTE FUNCTION moderation_queue_on_change();
CREATE TRIGGER moderation_queue_forum_threads_delete AFTER DELETE ON forum_threads
    FOR EACH ROW EXECUTE FUNCTION moderation_queue_on_change();

CREATE TRIGGER moderation_queue_forum_replies_insert AFTER INSERT ON forum_replies
    FOR EACH ROW WHEN (NEW.queued_at IS NOT NULL) EXECUTE FUNCTION moderation_queue_on_change();
CREATE TRIGGER moderation_queue_forum_replies_update AFTER UPDATE ON forum_replies
    FOR EACH ROW WHEN ((OLD.queued_at, OLD.flags, OLD.thread_id) IS DISTINCT FROM (NEW.queued_at, NEW.flags, NEW.thread_id))
    EXECUTE FUNCTION moderation_queue_on_change();
CREATE TRIGGER moderation_queue_forum_replies_delete AFTER DELETE ON forum_replies
    FOR EACH ROW EXECUTE FUNCTION moderation_queue_on_change();

CREATE TRIGGER moderation_queue_events_insert AFTER INSERT ON events
    FOR EACH ROW WHEN (NEW.visibility = 'en_attente') EXECUTE FUNCTION moderation_queue_on_change();
CREATE TRIGGER moderation_queue_events_update AFTER UPDATE ON events
    FOR EACH ROW WHEN ((OLD.visibility, OLD.cancelled_at, OLD.updated_at, OLD.epci_code, OLD.category_code)
                       IS DISTINCT FROM (NEW.visibility, NEW.cancelled_at, NEW.updated_at, NEW.epci_code, NEW.category_code))
    EXECUTE FUNCTION moderation_queue_on_change();
CREATE TRIGGER moderation_queue_events_delete AFTER DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION moderation_queue_on_change();

-- What waits now.
INSERT INTO moderation_queue (kind, id, epci_code, category_code, since, whys)
SELECT kind, id, coalesce(min(epci_code), ''), coalesce(min(category_code), ''), min(since),
       array_agg(DISTINCT why ORDER BY why)
  FROM moderation_waiting
 GROUP BY kind, id;
