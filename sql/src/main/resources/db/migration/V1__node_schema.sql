-- The node's replicated file store (ejb-raft io.spindle.node.infrastructure.store).
-- Runs unchanged on MySQL/MariaDB (InnoDB) and on H2 in MODE=MySQL;DATABASE_TO_LOWER=TRUE.
-- Every row here is written only by the Raft state machine, on the driver thread, in the
-- transaction that also advances raft_applied: the schema is a pure function of the log prefix.

-- How far the log has been applied; one row (id = 1), updated in every apply transaction.
CREATE TABLE raft_applied (
  id INT NOT NULL,
  applied_index BIGINT NOT NULL,
  applied_term BIGINT NOT NULL,
  PRIMARY KEY (id)
);
INSERT INTO raft_applied (id, applied_index, applied_term) VALUES (1, 0, 0);

-- Committed, visible files. name_hash = lower-case hex SHA-256 of the UTF-8 name (names are up to
-- 1,024 bytes, too long for an index key everywhere). stored_at_millis: epoch milliseconds taken
-- from the commit entry (an integer, so it round-trips exactly on every database and driver).
CREATE TABLE files (
  name_hash CHAR(64) NOT NULL,
  name VARBINARY(1024) NOT NULL,
  size_bytes BIGINT NOT NULL,
  sha256 CHAR(64) NOT NULL,
  chunk_count INT NOT NULL,
  upload_id VARCHAR(64) NOT NULL,
  stored_at_millis BIGINT NOT NULL,
  commit_index BIGINT NOT NULL,
  PRIMARY KEY (name_hash)
);
CREATE UNIQUE INDEX files_upload_id ON files (upload_id);

-- Chunks of committed files and of staged uploads, keyed by upload id and position.
CREATE TABLE chunks (
  upload_id VARCHAR(64) NOT NULL,
  chunk_index INT NOT NULL,
  sha256 CHAR(64) NOT NULL,
  size_bytes INT NOT NULL,
  data LONGBLOB NOT NULL,
  PRIMARY KEY (upload_id, chunk_index)
);

-- Uploads whose chunks arrived but whose commit has not applied yet. last_index = the log index
-- of the latest chunk; an upload idle for a fixed number of log entries is garbage-collected.
CREATE TABLE staged_uploads (
  upload_id VARCHAR(64) NOT NULL,
  first_index BIGINT NOT NULL,
  last_index BIGINT NOT NULL,
  PRIMARY KEY (upload_id)
);
CREATE INDEX staged_uploads_last_index ON staged_uploads (last_index);

-- Client request ids already applied, with the result they got (a retry gets the same answer).
-- Kept for a fixed number of log entries after log_index.
CREATE TABLE applied_requests (
  request_id VARCHAR(128) NOT NULL,
  log_index BIGINT NOT NULL,
  result VARBINARY(4096) NOT NULL,
  PRIMARY KEY (request_id)
);
CREATE INDEX applied_requests_log_index ON applied_requests (log_index);
