-- 0002_lease: leases for singular workers and application leadership (spec
-- modern-juju-dqlite.md §6.4, after Juju's domain/schema/controller/sql/0002-lease.sql).
--
-- Times are ISO-8601 text in one fixed-width form, 2026-01-01T00:00:00.000Z, so that text
-- comparison is time comparison; the lease statements (DqliteStore.LeaseStatements) normalise
-- the simulated clock's reading with strftime('%Y-%m-%dT%H:%M:%fZ', ?) and never the wall clock.

CREATE TABLE lease_type (
    id INT PRIMARY KEY,
    type TEXT NOT NULL
);

CREATE UNIQUE INDEX idx_lease_type_type
ON lease_type (type);

INSERT INTO lease_type VALUES
(0, 'singular-controller'),    -- The controller running singular controller/model workers.
(1, 'application-leadership'); -- The unit that holds leadership for an application.

CREATE TABLE lease (
    uuid TEXT NOT NULL PRIMARY KEY,
    lease_type_id INT NOT NULL,
    model_uuid TEXT NOT NULL,
    name TEXT NOT NULL,
    holder TEXT NOT NULL,
    start TIMESTAMP NOT NULL,
    expiry TIMESTAMP NOT NULL,
    CONSTRAINT fk_lease_lease_type
    FOREIGN KEY (lease_type_id)
    REFERENCES lease_type (id)
);

-- A claim of a held lease fails on this index: Juju maps the error to lease.ErrHeld.
CREATE UNIQUE INDEX idx_lease_model_type_name
ON lease (model_uuid, lease_type_id, name);

CREATE INDEX idx_lease_expiry
ON lease (expiry);

-- The presence of rows here for a lease means it is pinned and cannot expire.
CREATE TABLE lease_pin (
    uuid TEXT NOT NULL PRIMARY KEY,
    lease_uuid TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    CONSTRAINT fk_lease_pin_lease
    FOREIGN KEY (lease_uuid)
    REFERENCES lease (uuid)
);

CREATE UNIQUE INDEX idx_lease_pin_lease_entity
ON lease_pin (lease_uuid, entity_id);

CREATE INDEX idx_lease_pin_lease
ON lease_pin (lease_uuid);
