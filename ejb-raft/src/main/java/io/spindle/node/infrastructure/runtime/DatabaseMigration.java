package io.spindle.node.infrastructure.runtime;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.Resource;
import jakarta.annotation.sql.DataSourceDefinition;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.ejb.TransactionManagement;
import jakarta.ejb.TransactionManagementType;
import java.util.Optional;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Defines the node's datasource ({@value #DATASOURCE}, from MicroProfile Config through {@link
 * DatabaseConfigSource}) and migrates its schema with Flyway ({@code classpath:db/migration}, the
 * {@code sql} module) before anything else starts: {@link NodeRuntime} depends on it. A failed
 * migration fails the deployment, so a node never runs on a schema it does not know.
 */
@DataSourceDefinition(
    name = DatabaseMigration.DATASOURCE,
    className = "${MPCONFIG=" + DatabaseConfigSource.DRIVER + "}",
    url = "${MPCONFIG=" + DatabaseConfigSource.JDBC_URL + "}",
    user = "${MPCONFIG=" + DatabaseConfigSource.JDBC_USER + "}",
    password = "${MPCONFIG=" + DatabaseConfigSource.JDBC_PASSWORD + "}",
    minPoolSize = 2,
    maxPoolSize = 32)
@Singleton
@Startup
@TransactionManagement(TransactionManagementType.BEAN)
public class DatabaseMigration {
  public static final String DATASOURCE = "java:app/jdbc/spindle";
  private static final Logger LOG = Logger.getLogger(DatabaseMigration.class.getName());

  @Resource(lookup = DATASOURCE)
  private DataSource dataSource;

  private volatile String schemaVersion;
  private volatile int migrationsApplied;

  @PostConstruct
  void migrate() {
    Flyway flyway =
        Flyway.configure(DatabaseMigration.class.getClassLoader())
            .dataSource(dataSource)
            .locations("classpath:db/migration")
            .load();
    MigrateResult result = flyway.migrate();
    MigrationInfo current = flyway.info().current();
    schemaVersion = current == null ? null : current.getVersion().getVersion();
    migrationsApplied = flyway.info().applied().length;
    LOG.info(
        () ->
            "node schema at version "
                + Optional.ofNullable(schemaVersion).orElse("(none)")
                + " ("
                + result.migrationsExecuted
                + " migration(s) run now, "
                + migrationsApplied
                + " applied in all)");
  }

  /** The schema's version after migration; empty if there were no migrations. */
  public Optional<String> schemaVersion() {
    return Optional.ofNullable(schemaVersion);
  }

  /** How many migrations the schema history records as applied. */
  public int migrationsApplied() {
    return migrationsApplied;
  }
}
