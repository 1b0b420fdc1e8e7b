-- 0004_model: models and their machines (spec modern-juju-dqlite.md §6.3, after Juju's
-- domain/schema/controller/sql/0007-model.sql and domain/schema/model/sql/0018-machine.sql).
--
-- Juju keeps machines in each model's own database (namespace = model UUID); Quorum keeps one
-- database per node, so machine carries its model_uuid and names are unique per model.
-- Cloud, region and credential are plain names here (Juju has tables for them).

CREATE TABLE model_type (
    id INT PRIMARY KEY,
    type TEXT NOT NULL
);

CREATE UNIQUE INDEX idx_model_type_type
ON model_type (type);

INSERT INTO model_type VALUES
(0, 'iaas'),
(1, 'caas');

CREATE TABLE model (
    uuid TEXT NOT NULL PRIMARY KEY,
    -- TRUE once model creation has completed.
    activated BOOLEAN NOT NULL DEFAULT FALSE,
    name TEXT NOT NULL,
    -- The owner's namespace, e.g. "admin" (the controller model is controller/admin).
    qualifier TEXT NOT NULL,
    model_type_id INT NOT NULL,
    life_id INT NOT NULL DEFAULT 0,
    cloud_name TEXT NOT NULL,
    cloud_region_name TEXT,
    cloud_credential_name TEXT,
    agent_version TEXT,
    CONSTRAINT fk_model_model_type_id
    FOREIGN KEY (model_type_id)
    REFERENCES model_type (id),
    CONSTRAINT fk_model_life_id
    FOREIGN KEY (life_id)
    REFERENCES life (id)
);

CREATE UNIQUE INDEX idx_model_name_qualifier
ON model (name, qualifier);

CREATE INDEX idx_model_activated
ON model (activated);

-- Models to their Dqlite namespace.
CREATE TABLE model_namespace (
    namespace TEXT NOT NULL,
    model_uuid TEXT NOT NULL UNIQUE,
    CONSTRAINT fk_model_namespace_namespace
    FOREIGN KEY (namespace)
    REFERENCES namespace_list (namespace),
    CONSTRAINT fk_model_namespace_model
    FOREIGN KEY (model_uuid)
    REFERENCES model (uuid)
);

CREATE UNIQUE INDEX idx_namespace_model_uuid
ON model_namespace (namespace, model_uuid);

CREATE TABLE machine (
    uuid TEXT NOT NULL PRIMARY KEY,
    model_uuid TEXT NOT NULL,
    -- The machine id users see: "0", "1", "0/lxd/2".
    name TEXT NOT NULL,
    life_id INT NOT NULL DEFAULT 0,
    instance_id TEXT,
    hostname TEXT,
    nonce TEXT,
    -- TRUE for the machines hosting a controller (Juju derives this in v_machine_is_controller).
    is_controller BOOLEAN NOT NULL DEFAULT FALSE,
    agent_started_at DATETIME,
    force_destroyed BOOLEAN NOT NULL DEFAULT FALSE,
    keep_instance BOOLEAN NOT NULL DEFAULT FALSE,
    CONSTRAINT fk_machine_model
    FOREIGN KEY (model_uuid)
    REFERENCES model (uuid),
    CONSTRAINT fk_machine_life
    FOREIGN KEY (life_id)
    REFERENCES life (id)
);

CREATE UNIQUE INDEX idx_machine_model_name
ON machine (model_uuid, name);

-- An instance backs at most one machine of a model.
CREATE UNIQUE INDEX idx_machine_model_instance
ON machine (model_uuid, instance_id);
