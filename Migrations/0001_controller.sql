-- 0001_controller: the controller's own tables (spec modern-juju-dqlite.md §6.3, after Juju's
-- domain/schema/controller/sql 0000-namespace, 0001-life, 0003-changelog, 0004-controller,
-- 0009-controller-config and 0010-controller-node).
--
-- Every node of the simulated Dqlite cluster applies the same statements and must end in the
-- same state, so nothing here reads a clock or draws randomness: no DEFAULT takes the time of
-- day (Juju's change_log does); writers pass every timestamp explicitly, as ISO-8601 text from
-- the simulated clock.

-- Tracked Dqlite databases (namespaces) of the controller.
CREATE TABLE namespace_list (
    namespace TEXT PRIMARY KEY
) STRICT;

CREATE TABLE life (
    id INT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE UNIQUE INDEX idx_life_value
ON life (value);

INSERT INTO life VALUES
(0, 'alive'),
(1, 'dying'),
(2, 'dead');

-- The change log that watchers read. Edit types are bitmasks. Quorum has no triggers writing
-- it: writers insert their change rows in the same EXEC as the change itself.
CREATE TABLE change_log_edit_type (
    id INT PRIMARY KEY,
    edit_type TEXT NOT NULL
);

CREATE UNIQUE INDEX idx_change_log_edit_type_edit_type
ON change_log_edit_type (edit_type);

INSERT INTO change_log_edit_type VALUES
(1, 'create'),
(2, 'update'),
(4, 'delete');

CREATE TABLE change_log_namespace (
    id INT PRIMARY KEY,
    namespace TEXT NOT NULL,
    description TEXT
);

CREATE UNIQUE INDEX idx_change_log_namespace_namespace
ON change_log_namespace (namespace);

-- Quorum's namespace ids (Juju numbers its own from its generated triggers).
INSERT INTO change_log_namespace VALUES
(1, 'controller_node', 'Changes to controller nodes (enable-ha, remove-machine, dbaccessor)'),
(2, 'controller_api_address', 'Changes to the API addresses of controller nodes'),
(3, 'controller_config', 'Changes to controller configuration'),
(4, 'model', 'Changes to models'),
(5, 'machine', 'Changes to machines');

CREATE TABLE change_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    edit_type_id INT NOT NULL,
    namespace_id INT NOT NULL,
    changed TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    CONSTRAINT fk_change_log_edit_type
    FOREIGN KEY (edit_type_id)
    REFERENCES change_log_edit_type (id),
    CONSTRAINT fk_change_log_namespace
    FOREIGN KEY (namespace_id)
    REFERENCES change_log_namespace (id)
);

-- Which change_log ids each controller's watchers have seen; entries below the lowest
-- lower_bound may be pruned.
CREATE TABLE change_log_witness (
    controller_id TEXT NOT NULL PRIMARY KEY,
    lower_bound INT NOT NULL DEFAULT (-1),
    upper_bound INT NOT NULL DEFAULT (-1),
    updated_at DATETIME NOT NULL
);

-- The controller itself: exactly one row (the unique index over a constant).
CREATE TABLE controller (
    uuid TEXT NOT NULL PRIMARY KEY,
    model_uuid TEXT NOT NULL,
    target_version TEXT NOT NULL,
    api_port TEXT,
    cert TEXT,
    ca_cert TEXT,
    private_key TEXT,
    ca_private_key TEXT,
    system_identity TEXT
);

CREATE UNIQUE INDEX idx_singleton_controller
ON controller ((1));

CREATE TABLE controller_config (
    "key" TEXT PRIMARY KEY,
    value TEXT
) STRICT;

CREATE VIEW v_controller_config AS
SELECT
    "key",
    value
FROM controller_config
UNION
SELECT
    'controller-uuid' AS "key",
    controller.uuid AS value
FROM controller;

-- One row per controller (machine id in 3.x, controller id in 4.x) and its Dqlite node.
-- dqlite_node_id is the uint64 from Dqlite's NodeInfo, stored as text; dqlite_bind_address is
-- the host or IP (no port) the node is bound to. Both stay NULL until the node has joined.
CREATE TABLE controller_node (
    controller_id TEXT NOT NULL PRIMARY KEY,
    dqlite_node_id TEXT,
    dqlite_bind_address TEXT,
    life_id INT NOT NULL DEFAULT 0,
    CONSTRAINT fk_controller_node_life
    FOREIGN KEY (life_id)
    REFERENCES life (id)
);

CREATE UNIQUE INDEX idx_controller_node_dqlite_node
ON controller_node (dqlite_node_id);

CREATE UNIQUE INDEX idx_controller_node_dqlite_bind_address
ON controller_node (dqlite_bind_address);

-- API addresses per controller, "ip:17070" or "[v6]:17070". is_agent marks the addresses
-- agents may use (juju-mgmt-space filtering, spec §7); scope is public, local-cloud, ….
CREATE TABLE controller_api_address (
    controller_id TEXT NOT NULL,
    address TEXT NOT NULL,
    is_agent BOOLEAN NOT NULL DEFAULT FALSE,
    scope TEXT NOT NULL,
    CONSTRAINT fk_controller_api_address_controller
    FOREIGN KEY (controller_id)
    REFERENCES controller_node (controller_id),
    PRIMARY KEY (controller_id, address)
);
