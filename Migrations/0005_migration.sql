-- 0005_migration: what a legacy (Juju 1.x, MongoDB) environment holds that Juju 4 has tables for,
-- and the tables that keep everything else, so `migrate-backup` converts legacy ⇄ modern without
-- losing a field (DESIGN §5; spec legacy-juju-ha.md §6, modern-juju-dqlite.md §6.3).
--
-- Like Juju's model databases, applications, units and relations carry their model_uuid. Units
-- name their machine rather than reference its row: a restore writes the controller's own
-- machine afresh, under a new uuid.

-- Machine status values (Juju's machine_status_value).
CREATE TABLE machine_status_value (
    id INT PRIMARY KEY,
    status TEXT NOT NULL
);

CREATE UNIQUE INDEX idx_machine_status_value_status
ON machine_status_value (status);

INSERT INTO machine_status_value VALUES
(0, 'error'),
(1, 'started'),
(2, 'pending'),
(3, 'stopped'),
(4, 'down');

CREATE TABLE machine_status (
    machine_uuid TEXT NOT NULL PRIMARY KEY,
    status_id INT NOT NULL,
    message TEXT,
    CONSTRAINT fk_machine_status_value
    FOREIGN KEY (status_id)
    REFERENCES machine_status_value (id)
);

CREATE TABLE application (
    uuid TEXT NOT NULL PRIMARY KEY,
    model_uuid TEXT NOT NULL,
    name TEXT NOT NULL,
    life_id INT NOT NULL DEFAULT 0,
    charm_url TEXT,
    series TEXT,
    subordinate BOOLEAN,
    exposed BOOLEAN,
    CONSTRAINT fk_application_life
    FOREIGN KEY (life_id)
    REFERENCES life (id)
);

CREATE UNIQUE INDEX idx_application_model_name
ON application (model_uuid, name);

CREATE TABLE unit (
    uuid TEXT NOT NULL PRIMARY KEY,
    model_uuid TEXT NOT NULL,
    -- "wordpress/0"
    name TEXT NOT NULL,
    application_uuid TEXT NOT NULL,
    -- The machine id users see ("0", "0/lxd/1"); NULL for a subordinate.
    machine_name TEXT,
    life_id INT NOT NULL DEFAULT 0,
    charm_url TEXT,
    series TEXT,
    principal TEXT,
    CONSTRAINT fk_unit_application
    FOREIGN KEY (application_uuid)
    REFERENCES application (uuid),
    CONSTRAINT fk_unit_life
    FOREIGN KEY (life_id)
    REFERENCES life (id)
);

CREATE UNIQUE INDEX idx_unit_model_name
ON unit (model_uuid, name);

-- The unit agent's status: Juju 1.x statuses strings, kept as they are.
CREATE TABLE unit_status (
    unit_uuid TEXT NOT NULL PRIMARY KEY,
    status TEXT NOT NULL,
    message TEXT,
    CONSTRAINT fk_unit_status_unit
    FOREIGN KEY (unit_uuid)
    REFERENCES unit (uuid)
);

CREATE TABLE relation (
    uuid TEXT NOT NULL PRIMARY KEY,
    model_uuid TEXT NOT NULL,
    -- "wordpress:db mysql:server"
    relation_key TEXT NOT NULL,
    relation_id INT NOT NULL,
    life_id INT NOT NULL DEFAULT 0,
    CONSTRAINT fk_relation_life
    FOREIGN KEY (life_id)
    REFERENCES life (id)
);

CREATE UNIQUE INDEX idx_relation_model_key
ON relation (model_uuid, relation_key);

-- Configuration: values as text (strings as they are, anything else as canonical extended JSON).
CREATE TABLE model_config (
    model_uuid TEXT NOT NULL,
    "key" TEXT NOT NULL,
    value TEXT,
    PRIMARY KEY (model_uuid, "key")
);

CREATE TABLE application_config (
    application_uuid TEXT NOT NULL,
    "key" TEXT NOT NULL,
    value TEXT,
    PRIMARY KEY (application_uuid, "key")
);

-- Constraints of a model ("e") or of a machine or application (its global key, "m#1", "s#mysql").
CREATE TABLE constraint_value (
    model_uuid TEXT NOT NULL,
    entity TEXT NOT NULL,
    "key" TEXT NOT NULL,
    value TEXT,
    PRIMARY KEY (model_uuid, entity, "key")
);

CREATE TABLE user (
    uuid TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    display_name TEXT,
    password_hash TEXT,
    password_salt TEXT,
    created_by TEXT,
    deactivated BOOLEAN
);

CREATE UNIQUE INDEX idx_user_name
ON user (name);

-- What a migrated legacy archive held beyond the tables above.
--
-- legacy_collection: every collection of the dump in archive order, with mongodump's
-- <coll>.metadata.json (NULL when the archive had none) and whether it had a .bson file.
CREATE TABLE legacy_collection (
    position INTEGER PRIMARY KEY,
    namespace TEXT NOT NULL,
    has_bson BOOLEAN NOT NULL,
    metadata_json TEXT,
    document_count INT NOT NULL,
    kept_count INT NOT NULL,
    kept_bytes INT NOT NULL
);

CREATE UNIQUE INDEX idx_legacy_collection_namespace
ON legacy_collection (namespace);

-- legacy_row: each row written from a legacy document (by table and primary key, the key's
-- columns joined by U+001F), with the document's place in its collection. extra is the row's
-- own document (BSON) in its original field order, every field a column holds replaced by
-- MinKey; rows derived from a document (its config keys, its controller nodes) have none.
CREATE TABLE legacy_row (
    table_name TEXT NOT NULL,
    row_key TEXT NOT NULL,
    collection_position INT NOT NULL,
    document_index INT NOT NULL,
    extra BLOB,
    PRIMARY KEY (table_name, row_key)
);

-- legacy_document: documents without a home, as they were (BSON), in collection order. A
-- format-2 archive carries them as juju-backup/legacy/<db>/<coll>.bson, not in controller.yaml.
CREATE TABLE legacy_document (
    id INTEGER PRIMARY KEY,
    collection_position INT NOT NULL,
    document_index INT NOT NULL,
    document_id TEXT,
    document BLOB NOT NULL
);
