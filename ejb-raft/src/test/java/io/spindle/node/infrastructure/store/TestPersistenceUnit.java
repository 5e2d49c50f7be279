package io.spindle.node.infrastructure.store;

import jakarta.persistence.SharedCacheMode;
import jakarta.persistence.ValidationMode;
import jakarta.persistence.spi.ClassTransformer;
import jakarta.persistence.spi.PersistenceUnitInfo;
import jakarta.persistence.spi.PersistenceUnitTransactionType;
import java.net.URL;
import java.util.List;
import java.util.Properties;
import javax.sql.DataSource;

/**
 * The store's persistence unit for one test database, built in code and handed to EclipseLink's
 * container bootstrap, so that every database gets a unit of its own name: several factories on the
 * same {@code persistence.xml} unit share EclipseLink state and broke each other when one closed.
 * Same classes and settings as the unit {@code spindle} in {@code persistence.xml}.
 */
final class TestPersistenceUnit implements PersistenceUnitInfo {
  static final List<String> ENTITIES =
      List.of(
          AppliedRow.class.getName(),
          FileRow.class.getName(),
          ChunkRow.class.getName(),
          StagedUploadRow.class.getName(),
          AppliedRequestRow.class.getName());

  private final String name;

  TestPersistenceUnit(String name) {
    this.name = name;
  }

  @Override
  public String getPersistenceUnitName() {
    return name;
  }

  @Override
  public String getPersistenceProviderClassName() {
    return "org.eclipse.persistence.jpa.PersistenceProvider";
  }

  @Override
  public PersistenceUnitTransactionType getTransactionType() {
    return PersistenceUnitTransactionType.RESOURCE_LOCAL;
  }

  @Override
  public DataSource getJtaDataSource() {
    return null;
  }

  @Override
  public DataSource getNonJtaDataSource() {
    return null;
  }

  @Override
  public List<String> getMappingFileNames() {
    return List.of();
  }

  @Override
  public List<URL> getJarFileUrls() {
    return List.of();
  }

  @Override
  public URL getPersistenceUnitRootUrl() {
    return AppliedRow.class.getProtectionDomain().getCodeSource().getLocation();
  }

  @Override
  public List<String> getManagedClassNames() {
    return ENTITIES;
  }

  @Override
  public boolean excludeUnlistedClasses() {
    return true;
  }

  @Override
  public SharedCacheMode getSharedCacheMode() {
    return SharedCacheMode.NONE;
  }

  @Override
  public ValidationMode getValidationMode() {
    return ValidationMode.NONE;
  }

  @Override
  public Properties getProperties() {
    Properties properties = new Properties();
    properties.setProperty("eclipselink.jdbc.batch-writing", "None");
    properties.setProperty("eclipselink.ddl-generation", "none");
    properties.setProperty("eclipselink.logging.level", "WARNING");
    properties.setProperty("eclipselink.jdbc.exclusive-connection.mode", "Always");
    properties.setProperty("eclipselink.session-name", name);
    return properties;
  }

  @Override
  public String getPersistenceXMLSchemaVersion() {
    return "3.0";
  }

  @Override
  public ClassLoader getClassLoader() {
    return TestPersistenceUnit.class.getClassLoader();
  }

  @Override
  public void addTransformer(ClassTransformer transformer) {}

  @Override
  public ClassLoader getNewTempClassLoader() {
    return TestPersistenceUnit.class.getClassLoader();
  }
}
