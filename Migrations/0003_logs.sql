-- 0003_logs: agent log lines kept in the replicated database, for `debug-log` (seed 003:
-- "logs stored in the replicated database"). Quorum's own table; Juju 4 writes agent logs to
-- files and ships them elsewhere.
--
-- level is loggo's: 0 UNSPECIFIED, 1 TRACE, 2 DEBUG, 3 INFO, 4 WARNING, 5 ERROR, 6 CRITICAL.
-- created_at is the simulated clock's reading as RFC 3339 text, written by the caller.

CREATE TABLE log_line (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model_uuid TEXT NOT NULL,
    entity TEXT NOT NULL,
    module TEXT NOT NULL DEFAULT '',
    location TEXT NOT NULL DEFAULT '',
    level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 6),
    message TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- debug-log tails one model in id order, optionally for one entity.
CREATE INDEX idx_log_line_model
ON log_line (model_uuid, id);

CREATE INDEX idx_log_line_model_entity
ON log_line (model_uuid, entity, id);

-- Pruning by age.
CREATE INDEX idx_log_line_created_at
ON log_line (created_at);
