package io.spindle.node.infrastructure.store;

import jakarta.persistence.SharedCacheMode;
import jakarta.persistence.ValidationMode;
import jakarta.persistence.spi.ClassTransformer;
import jakarta.persistence.spi.PersistenceUnitInfo;
import jakarta.persistence.spi.PersistenceUnitTransactionType;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.sql.DataSource;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * The store's persistence unit for one test database, built in code and handed to EclipseLink's
 * container bootstrap, so that every database gets a unit of its own name: several factories on the
 * same {@code persistence.xml} unit share EclipseLink state and broke each other when one closed.
 * Same classes as the unit {@code spindle} in {@code persistence.xml}, and its properties, read
 * from that file.
 */
final class TestPersistenceUnit implements PersistenceUnitInfo {
  static final List<String> ENTITIES =
      List.of(
          AppliedRow.class.getName(),
          FileRow.class.getName(),
          ChunkRow.class.getName(),
          StagedUploadRow.class.getName(),
          AppliedRequestRow.class.getName(),
          GroupRow.class.getName(),
          GroupMemberRow.class.getName(),
          GroupEventRow.class.getName());

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

  /**
   * The properties of the unit {@code spindle} in {@code META-INF/persistence.xml}, the node's own,
   * so that the tests and the bench run with the options the node runs with, plus a session name of
   * this unit's own.
   */
  @Override
  public Properties getProperties() {
    Properties properties = new Properties();
    properties.putAll(NODE_PROPERTIES);
    properties.setProperty("eclipselink.session-name", name);
    return properties;
  }

  private static final Map<String, String> NODE_PROPERTIES = nodeProperties();

  private static Map<String, String> nodeProperties() {
    URL xml = AppliedRow.class.getClassLoader().getResource("META-INF/persistence.xml");
    if (xml == null) {
      throw new IllegalStateException("META-INF/persistence.xml is not on the class path");
    }
    try (InputStream in = xml.openStream()) {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setNamespaceAware(true);
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      NodeList nodes =
          factory.newDocumentBuilder().parse(in).getElementsByTagNameNS("*", "property");
      Map<String, String> properties = new LinkedHashMap<>();
      for (int i = 0; i < nodes.getLength(); i++) {
        Element property = (Element) nodes.item(i);
        properties.put(property.getAttribute("name"), property.getAttribute("value"));
      }
      if (properties.isEmpty()) {
        throw new IllegalStateException(xml + " has no properties");
      }
      return Map.copyOf(properties);
    } catch (IOException | ParserConfigurationException | SAXException e) {
      throw new IllegalStateException("cannot read " + xml + ": " + e, e);
    }
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
