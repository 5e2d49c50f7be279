package io.spindle.node.application;

import io.spindle.node.infrastructure.store.TestDatabase;

/**
 * {@link RaftFileServiceTest} with each node on its own schema of the MariaDB at 127.0.0.1:3306.
 */
class RaftFileServiceMariaDbTest extends RaftFileServiceTest {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.MARIADB;
  }
}
