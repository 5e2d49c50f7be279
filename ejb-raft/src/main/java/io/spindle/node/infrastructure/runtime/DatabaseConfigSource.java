package io.spindle.node.infrastructure.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Derives the datasource's settings ({@value #DRIVER}, {@value #JDBC_URL}, {@value #JDBC_USER},
 * {@value #JDBC_PASSWORD}) from {@code spindle.db.url}, {@code spindle.db.user}, {@code
 * spindle.db.password} (or the file {@code spindle.db.password-file} names) and {@code
 * spindle.data.dir}, for the {@code ${MPCONFIG=...}} expressions of {@link DatabaseMigration}'s
 * {@code @DataSourceDefinition}: with no database URL the node gets the embedded H2 database in its
 * data directory, and the driver class follows the URL.
 *
 * <p>Why a config source and not property expressions: a key that resolves to nothing stays a
 * literal {@code ${MPCONFIG=...}} in the datasource, and the driver class must be chosen from the
 * URL. It reads its inputs the way MicroProfile Config ranks them (system property, then env var
 * {@code SPINDLE_DB_URL}, then {@code META-INF/microprofile-config.properties}) without calling
 * back into the {@code Config} being built. Ordinal 90: any explicit setting of a derived key wins.
 */
public final class DatabaseConfigSource implements ConfigSource {
  public static final String DRIVER = "spindle.db.driver";
  public static final String JDBC_URL = "spindle.db.jdbc-url";
  public static final String JDBC_USER = "spindle.db.jdbc-user";
  public static final String JDBC_PASSWORD = "spindle.db.jdbc-password";
  private static final String DEFAULTS = "/META-INF/microprofile-config.properties";

  private final Function<String, Optional<String>> inputs;

  public DatabaseConfigSource() {
    this(systemInputs(loadDefaults()));
  }

  DatabaseConfigSource(Function<String, Optional<String>> inputs) {
    this.inputs = SecretFiles.resolving(inputs);
  }

  @Override
  public Set<String> getPropertyNames() {
    return Set.of(DRIVER, JDBC_URL, JDBC_USER, JDBC_PASSWORD);
  }

  /** The derivable values; a key whose inputs are wrong is left out (its lookup says why). */
  @Override
  public Map<String, String> getProperties() {
    Map<String, String> values = new HashMap<>();
    for (String key : getPropertyNames()) {
      try {
        values.put(key, getValue(key));
      } catch (IllegalArgumentException e) {
        // Reported when the key itself is looked up.
      }
    }
    return values;
  }

  @Override
  public String getValue(String key) {
    if (!getPropertyNames().contains(key)) {
      return null;
    }
    DatabaseSettings db = settings();
    switch (key) {
      case DRIVER:
        return db.dataSourceClass();
      case JDBC_URL:
        return db.jdbcUrl();
      case JDBC_USER:
        return db.jdbcUser();
      default:
        return db.jdbcPassword();
    }
  }

  DatabaseSettings settings() {
    Path dataDir = Path.of(value(NodeSettings.DATA_DIR).orElse("data"));
    return new DatabaseSettings(
        value(NodeSettings.DB_URL),
        value(NodeSettings.DB_USER),
        value(NodeSettings.DB_PASSWORD),
        dataDir);
  }

  private Optional<String> value(String key) {
    return inputs.apply(key).map(String::trim).filter(v -> !v.isEmpty());
  }

  @Override
  public int getOrdinal() {
    return 90;
  }

  @Override
  public String getName() {
    return "spindle-derived-database-settings";
  }

  private static Function<String, Optional<String>> systemInputs(Properties defaults) {
    return key -> {
      String value = System.getProperty(key);
      if (value == null || value.isBlank()) {
        value = System.getenv(NodeSettings.envName(key));
      }
      if (value == null || value.isBlank()) {
        value = defaults.getProperty(key);
      }
      return Optional.ofNullable(value);
    };
  }

  private static Properties loadDefaults() {
    Properties defaults = new Properties();
    URL url = DatabaseConfigSource.class.getResource(DEFAULTS);
    if (url != null) {
      try (InputStream in = url.openStream()) {
        defaults.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + url + ": " + e.getMessage(), e);
      }
    }
    return defaults;
  }
}
