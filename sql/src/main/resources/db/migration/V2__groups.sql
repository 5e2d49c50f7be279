-- Group membership (ejb-raft io.spindle.node.infrastructure.groups), written only by the Raft
-- state machine like every table here. Names are kept as their UTF-8 bytes (VARBINARY: compared
-- and ordered byte for byte on every database) and keyed by the lower-case hex SHA-256 of them.

-- Groups that have or had members: the log index of the latest change (what a watcher waits on)
-- and how many members they have. A group without members is dropped by the garbage collection
-- once its last change is older than the event history.
CREATE TABLE member_groups (
  group_hash CHAR(64) NOT NULL,
  group_name VARBINARY(255) NOT NULL,
  mod_index BIGINT NOT NULL,
  member_count INT NOT NULL,
  PRIMARY KEY (group_hash)
);

-- Members. member_key = SHA-256 hex of the group's and the member's hashes. meta = the member's
-- key/value pairs as a protobuf GroupMemberRecord holding only them. join_index = the log index of
-- the join that made this incarnation; mod_index = of its latest change.
CREATE TABLE group_members (
  member_key CHAR(64) NOT NULL,
  group_hash CHAR(64) NOT NULL,
  member_id VARBINARY(255) NOT NULL,
  address VARBINARY(2048) NOT NULL,
  ttl_ms BIGINT NOT NULL,
  probe VARCHAR(8) NOT NULL,
  meta VARBINARY(16384) NOT NULL,
  joined_at_millis BIGINT NOT NULL,
  renewed_at_millis BIGINT NOT NULL,
  suspect INT NOT NULL,
  join_index BIGINT NOT NULL,
  mod_index BIGINT NOT NULL,
  PRIMARY KEY (member_key)
);
CREATE INDEX group_members_group ON group_members (group_hash, member_id);

-- Changes of groups, for watchers, kept for as many log entries as applied request ids are.
CREATE TABLE group_events (
  group_hash CHAR(64) NOT NULL,
  event_index BIGINT NOT NULL,
  seq INT NOT NULL,
  member_id VARBINARY(255) NOT NULL,
  kind VARCHAR(8) NOT NULL,
  address VARBINARY(2048) NOT NULL,
  PRIMARY KEY (group_hash, event_index, seq)
);
CREATE INDEX group_events_index ON group_events (event_index);
