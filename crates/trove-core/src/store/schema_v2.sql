-- Trove library schema, version 2: the models whose vectors the library holds.
--
-- models   one row per model that has (or is getting) vectors here. `target` marks, per role,
--          the model new vectors are made with; `complete_at` is set once every item of its
--          role has a vector of it. Search serves the target when complete, else the newest
--          complete model, so switching models never leaves search without vectors.
--          `location` is where the model's files are: a registry id or a folder (JSON).

CREATE TABLE models (
    id           TEXT PRIMARY KEY,
    role         TEXT NOT NULL CHECK (role IN ('bridge', 'text')),
    family       TEXT NOT NULL,
    dim          INTEGER NOT NULL CHECK (dim > 0),
    location     TEXT NOT NULL,
    target       INTEGER NOT NULL DEFAULT 0 CHECK (target IN (0, 1)),
    added_at     INTEGER NOT NULL,
    complete_at  INTEGER
);
CREATE UNIQUE INDEX models_one_target ON models(role) WHERE target = 1;
CREATE INDEX vectors_by_item ON vectors(item_id);
