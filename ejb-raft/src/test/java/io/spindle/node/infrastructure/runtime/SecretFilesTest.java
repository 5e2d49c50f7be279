package io.spindle.node.infrastructure.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.node.infrastructure.federation.FederationSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretFilesTest {
  @TempDir Path dir;
  private final Map<String, String> settings = new HashMap<>();
  private final Function<String, Optional<String>> lookup =
      SecretFiles.resolving(key -> Optional.ofNullable(settings.get(key)));

  @Test
  void aSecretComesFromTheFileItsFileKeyNamesWithoutTheLineBreak() throws Exception {
    Path file = Files.writeString(dir.resolve("cluster_secret"), "0123456789abcdef-secret\n");
    settings.put("spindle.secret-file", file.toString());
    assertEquals(Optional.of("0123456789abcdef-secret"), lookup.apply(NodeSettings.SECRET));
  }

  @Test
  void theValueItselfWinsOverTheFile() throws Exception {
    Path file = Files.writeString(dir.resolve("db_password"), "from-file");
    settings.put(NodeSettings.DB_PASSWORD, "given");
    settings.put(SecretFiles.fileKey(NodeSettings.DB_PASSWORD), file.toString());
    assertEquals(Optional.of("given"), lookup.apply(NodeSettings.DB_PASSWORD));
  }

  @Test
  void onlySecretsComeFromFiles() throws Exception {
    Path file = Files.writeString(dir.resolve("id"), "n7");
    settings.put("spindle.node.id-file", file.toString());
    assertEquals(Optional.empty(), lookup.apply(NodeSettings.NODE_ID));
    assertEquals(Optional.empty(), lookup.apply(FederationSettings.SECRET));
  }

  @Test
  void aMissingFileIsNamedWithTheSettingThatNamesIt() {
    settings.put("spindle.federation.secret-file", dir.resolve("absent").toString());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> lookup.apply(FederationSettings.SECRET));
    assertTrue(e.getMessage().contains("SPINDLE_FEDERATION_SECRET_FILE"), e.getMessage());
    assertTrue(e.getMessage().contains(dir.resolve("absent").toString()), e.getMessage());
  }

  @Test
  void aFileFarTooLargeForASecretIsRefused() throws Exception {
    Path file = Files.write(dir.resolve("big"), new byte[(int) SecretFiles.MAX_BYTES + 1]);
    settings.put("spindle.redis.password-file", file.toString());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> lookup.apply(FederationSettings.REDIS_PASSWORD));
    assertTrue(e.getMessage().contains("one value"), e.getMessage());
  }

  @Test
  void theDatabasePasswordReachesTheDatasourceFromItsFile() throws Exception {
    Path file = Files.writeString(dir.resolve("db_password"), "pw-from-file\n");
    Map<String, String> inputs =
        Map.of(
            NodeSettings.DB_URL,
            "jdbc:mysql://mysql:3306/spindle_n1",
            NodeSettings.DB_USER,
            "spindle",
            SecretFiles.fileKey(NodeSettings.DB_PASSWORD),
            file.toString());
    DatabaseConfigSource source =
        new DatabaseConfigSource(key -> Optional.ofNullable(inputs.get(key)));
    assertEquals("pw-from-file", source.getValue(DatabaseConfigSource.JDBC_PASSWORD));
  }
}
