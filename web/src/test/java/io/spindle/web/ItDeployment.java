package io.spindle.web;

import io.spindle.testkit.Await;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The web ITs' deployment ({@code spindle.war}): what it is, and where it answers. */
final class ItDeployment {
  /** The archive's name, which is its context root on Payara Micro. */
  static final String ARCHIVE = "spindle.war";

  private static final String CONTEXT = "/spindle/";

  private ItDeployment() {}

  /**
   * The node's WAR, once the node the previous test class started has let go of its database. Every
   * IT class starts its own Payara Micro on the same data directory ({@code spindle.it.data}), and
   * the previous one may still be stopping: a node that started then would find its embedded
   * database in use and fail to deploy.
   */
  static WebArchive war() {
    Path database = Path.of(System.getProperty("spindle.it.data"), "spindle.mv.db");
    Await.poll(
        Duration.ofSeconds(60),
        Duration.ofMillis(100),
        () -> unlocked(database) ? Optional.of(database) : Optional.empty(),
        () -> "the previous test node let go of " + database);
    return ShrinkWrap.create(ZipImporter.class, ARCHIVE)
        .importFrom(new File(System.getProperty("spindle.it.war")))
        .as(WebArchive.class);
  }

  /** Whether no process holds the lock H2 takes on its database file (or there is none yet). */
  private static boolean unlocked(Path database) throws IOException {
    if (!Files.exists(database)) {
      return true;
    }
    try (FileChannel channel =
            FileChannel.open(database, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock()) {
      return lock != null;
    }
  }

  /**
   * The application's base URL, ending in '/'. The Payara Micro container finds the context root in
   * the server's output, and sometimes reads that output before the deployment's lines arrive: then
   * it hands the tests the server's root. The context root is the archive's name, so the tests need
   * not depend on that race.
   */
  static URI appBase(URL arquillianBase) {
    URI base = URI.create(arquillianBase.toString());
    String path = base.getPath();
    if (path == null || path.isEmpty() || path.equals("/")) {
      return base.resolve(CONTEXT);
    }
    return path.endsWith("/") ? base : URI.create(base + "/");
  }
}
