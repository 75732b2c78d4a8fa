-- Trove library schema, version 3: the vector change log, the relevance cutoffs, and the model
-- roles the user turned off.
--
-- vector_log  every insert, replace, update and delete of a vector, in commit order (seq), so a
--             reader's in-memory index can catch up incrementally instead of reloading. It holds
--             no vector: applying an entry means reading the item's current vector (present →
--             upsert, absent → remove), so entries are idempotent and only the newest per item
--             matters. Kept by triggers, so no writer can forget it; pruned by the writer
--             (`store::vectors::prune_log`), and a reader further behind reloads fully.
--             AUTOINCREMENT keeps seq growing even if the table is ever emptied, so a reader's
--             position can never be mistaken for a newer one. `INSERT OR REPLACE` fires no
--             delete trigger (recursive_triggers is off), but its insert trigger logs the item,
--             which is all a reader needs; cascade deletes (contents → items → vectors) do fire.
-- cutoffs     the calibrated relevance cutoff per model and item kind (photo, chunk): `score`
--             is the cutoff, `items` how many items it was calibrated on, `computed_at` when.

CREATE TABLE vector_log (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    model    TEXT NOT NULL,
    item_id  INTEGER NOT NULL
);
-- A reader catches up on one model: the entries after its position.
CREATE INDEX vector_log_model ON vector_log(model, seq);

CREATE TRIGGER vectors_log_insert AFTER INSERT ON vectors BEGIN
    INSERT INTO vector_log(model, item_id) VALUES (new.model, new.item_id);
END;
CREATE TRIGGER vectors_log_update AFTER UPDATE ON vectors BEGIN
    INSERT INTO vector_log(model, item_id) VALUES (new.model, new.item_id);
    -- An update that moves a vector to another key also changes the old one.
    INSERT INTO vector_log(model, item_id)
        SELECT old.model, old.item_id
        WHERE old.model IS NOT new.model OR old.item_id IS NOT new.item_id;
END;
CREATE TRIGGER vectors_log_delete AFTER DELETE ON vectors BEGIN
    INSERT INTO vector_log(model, item_id) VALUES (old.model, old.item_id);
END;

CREATE TABLE cutoffs (
    model        TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('photo', 'chunk')),
    score        REAL NOT NULL,
    items        INTEGER NOT NULL,
    method       INTEGER NOT NULL,
    computed_at  INTEGER NOT NULL,
    PRIMARY KEY (model, kind)
) WITHOUT ROWID;

-- model_off: roles the user turned off ("--text-model none"), remembered like a chosen model so
--   a later run without flags does not fetch the default again.
CREATE TABLE model_off (
    role  TEXT PRIMARY KEY CHECK (role IN ('bridge', 'text'))
) WITHOUT ROWID;
