-- Trove library schema, version 1.
--
-- files    one row per path under a root: the durable work queue (state) and the path → content map.
-- contents one row per distinct (blake3 hash, reader): what was extracted. Identical copies share
--          one row, and a renamed file keeps its content, items and vectors. The reader (image,
--          markdown, text, html, pdf; from the file name) is part of the identity because the
--          same bytes read as HTML or as plain text are different documents.
-- items    what is searched and embedded: one per photo, one per note chunk.
-- vectors  per model and item (filled by the embedding stage).

CREATE TABLE roots (
    id        INTEGER PRIMARY KEY,
    path      BLOB NOT NULL UNIQUE,
    added_at  INTEGER NOT NULL
);

CREATE TABLE contents (
    id          INTEGER PRIMARY KEY,
    hash        BLOB NOT NULL,
    reader      TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('photo', 'note')),
    format      TEXT NOT NULL,
    title       TEXT,
    body        TEXT,
    width       INTEGER,
    height      INTEGER,
    taken_at    TEXT,
    camera      TEXT,
    lens        TEXT,
    latitude    REAL,
    longitude   REAL,
    orientation INTEGER,
    meta_text   TEXT NOT NULL DEFAULT '',
    thumbnail   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (hash, reader)
);

CREATE TABLE files (
    id          INTEGER PRIMARY KEY,
    root_id     INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
    path        BLOB NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('photo', 'note')),
    size        INTEGER NOT NULL,
    mtime_ns    INTEGER NOT NULL,
    hash        BLOB,
    content_id  INTEGER REFERENCES contents(id),
    state       TEXT NOT NULL CHECK (state IN ('pending', 'indexed', 'failed', 'missing')),
    error       TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL,
    CHECK (state <> 'indexed' OR content_id IS NOT NULL)
);
CREATE INDEX files_state ON files(state, id);
CREATE INDEX files_root ON files(root_id);
CREATE INDEX files_content ON files(content_id);
CREATE INDEX files_hash ON files(hash);

CREATE TABLE items (
    id          INTEGER PRIMARY KEY,
    content_id  INTEGER NOT NULL REFERENCES contents(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('photo', 'chunk')),
    ord         INTEGER NOT NULL,
    text        TEXT NOT NULL DEFAULT '',
    heading     TEXT NOT NULL DEFAULT '',
    start       INTEGER,
    end         INTEGER,
    UNIQUE (content_id, ord)
);

CREATE TABLE vectors (
    model    TEXT NOT NULL,
    item_id  INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    vector   BLOB NOT NULL,
    PRIMARY KEY (model, item_id)
) WITHOUT ROWID;

-- Note chunk text, kept in step with `items` by triggers (external content: no second copy).
CREATE VIRTUAL TABLE chunks_fts USING fts5(
    text, heading,
    content = 'items', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '2 3'
);
CREATE TRIGGER items_fts_insert AFTER INSERT ON items WHEN new.kind = 'chunk' BEGIN
    INSERT INTO chunks_fts(rowid, text, heading) VALUES (new.id, new.text, new.heading);
END;
CREATE TRIGGER items_fts_delete AFTER DELETE ON items WHEN old.kind = 'chunk' BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, text, heading)
        VALUES ('delete', old.id, old.text, old.heading);
END;

-- Per indexed file: its name as words, a note's title, a photo's metadata text. Maintained by
-- the writer in the same transaction that indexes, renames or removes the file.
CREATE VIRTUAL TABLE files_fts USING fts5(
    name, title, meta,
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '2 3'
);
