-- Trove library schema, version 4: retries of files that could not be read, and moves found
-- by content when the watcher reported only their new end.
--
-- files.retry_at  when a failed file is queued again (unix seconds), for failures that may pass
--                 by themselves (a file locked or unreadable for a moment, a drive that hiccups).
--                 NULL for failures that the same bytes would repeat (a corrupt photo), and once
--                 the retries are used up: the file then stays failed with its reason.

ALTER TABLE files ADD COLUMN retry_at INTEGER;

-- roots.device  the file system (device number) the root's folder was on when it last held
--               files: found empty on another one, it is an unmounted drive's mount point, and
--               its files are kept as missing (see `scan::root_present`).
ALTER TABLE roots ADD COLUMN device INTEGER;
CREATE INDEX files_retry ON files(retry_at) WHERE retry_at IS NOT NULL;
-- A new file's size finds the rows that could be its old self (see `reconcile::orphan`).
CREATE INDEX files_size ON files(size);
