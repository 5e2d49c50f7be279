package io.spindle.node.infrastructure.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.node.infrastructure.federation.FederationSettings;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ConfigKeysTest {
  /** The classes that name configuration keys as constants. */
  private static final List<Class<?>> SETTINGS =
      List.of(
          NodeSettings.class,
          DatabaseConfigSource.class,
          NodeRuntime.class,
          CountSettings.class,
          FederationSettings.class);

  @Test
  void everyKeyConstantOfTheSettingsClassesIsInTheCatalogue() throws Exception {
    Set<String> missing = new TreeSet<>();
    for (Class<?> c : SETTINGS) {
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers())
            && Modifier.isFinal(f.getModifiers())
            && f.getType() == String.class) {
          f.setAccessible(true);
          String value = (String) f.get(null);
          if (value.startsWith("spindle.") && !ConfigKeys.all().contains(value)) {
            missing.add(c.getSimpleName() + "." + f.getName() + " = " + value);
          }
        }
      }
    }
    assertEquals(Set.of(), missing, "keys the node reads but ConfigKeys does not list");
  }

  @Test
  void everySecretMayComeFromAFileAndEveryKeyHasItsEnvName() {
    for (String secret : SecretFiles.SECRET_KEYS) {
      assertTrue(ConfigKeys.all().contains(secret + "-file"), secret);
    }
    assertEquals("SPINDLE_DB_PASSWORD_FILE", ConfigKeys.envName("spindle.db.password-file"));
    assertEquals(
        "SPINDLE_DISCOVERY_MULTICAST_GROUP", ConfigKeys.envName(NodeSettings.MULTICAST_GROUP));
  }
}
