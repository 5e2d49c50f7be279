package io.spindle.node.application;

import io.spindle.node.infrastructure.store.TestDatabase;

/** {@link RaftFileServiceTest} with each node on its own embedded H2 database (MySQL mode). */
class RaftFileServiceH2Test extends RaftFileServiceTest {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.H2;
  }
}
