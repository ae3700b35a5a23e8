package moderation

// QueueSQL is the queue's statement, for the tests that read its plan.
const QueueSQL = queueSQL
