package io.spindle.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.node.infrastructure.runtime.ConfigKeys;
import io.spindle.node.infrastructure.runtime.SecretFiles;
import io.spindle.queue.QueueServerMain;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * docker-compose.yml cannot drift from the code: it is valid for docker-compose, every variable it
 * gives a node is a key the node reads, every option it gives the queue server is one the server
 * has, the README's required keys are set, secrets come from mounted files only, and {@code
 * bin/spindle compose-secrets} makes every file the compose file mounts. (These machines have no
 * container engine: the images are not built or run here.)
 */
class ComposeFileTest {
  private static final Path PROJECT = Path.of(System.getProperty("spindle.checkout.dir", ".."));
  private static final Path COMPOSE = PROJECT.resolve("docker-compose.yml");
  private static Map<String, Object> compose;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void read() throws IOException {
    try (InputStream in = Files.newInputStream(COMPOSE)) {
      compose = new Yaml().load(in);
    }
  }

  @Test
  void dockerComposeFindsTheFileValid() throws Exception {
    Process p =
        new ProcessBuilder("docker-compose", "-f", COMPOSE.toString(), "config", "-q")
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "docker-compose config did not finish in 60 s");
    assertEquals(0, p.exitValue(), "docker-compose config -q: " + output);
  }

  @Test
  void everyVariableANodeIsGivenIsAKeyTheNodeReads() {
    Set<String> known = new TreeSet<>();
    ConfigKeys.all().forEach(k -> known.add(ConfigKeys.envName(k)));
    Set<String> unknown = new TreeSet<>(environment("node").keySet());
    unknown.removeAll(known);
    assertEquals(Set.of(), unknown, "variables the node reads no key for");
  }

  @Test
  void theNodeImageSetsOnlyKeysTheNodeReadsToo() throws IOException {
    String script = Files.readString(PROJECT.resolve("deploy/node/spindle-node.sh"));
    Matcher m = Pattern.compile("export (SPINDLE_[A-Z0-9_]+)=").matcher(script);
    Set<String> exported = new TreeSet<>();
    while (m.find()) {
      exported.add(m.group(1));
    }
    assertTrue(exported.contains("SPINDLE_NODE_ID"), "the entry point names the member");
    for (String variable : exported) {
      assertTrue(
          ConfigKeys.all().stream().anyMatch(k -> ConfigKeys.envName(k).equals(variable)),
          "deploy/node/spindle-node.sh exports " + variable + ", which no node key matches");
    }
  }

  @Test
  void everyOptionTheQueueServerIsGivenIsOneItHas() {
    CommandSpec spec = new CommandLine(new QueueServerMain()).getCommandSpec();
    List<String> args = strings(service("queue").get("command"));
    assertFalse(args.isEmpty(), "the queue server gets its options as the command");
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      assertTrue(arg.startsWith("--"), "a bare argument in the queue server's command: " + arg);
      String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      CommandLine.Model.OptionSpec option = spec.findOption(name);
      assertTrue(option != null, "the queue server has no option " + name);
      assertFalse(option.hidden(), name + " is refused (a secret on a command line)");
      if (!arg.contains("=") && option.arity().max() > 0) {
        i++;
      }
    }
    // The command is one the server accepts as a whole.
    new CommandLine(new QueueServerMain()).parseArgs(args.toArray(String[]::new));
    Set<String> unknown = new TreeSet<>(environment("queue").keySet());
    unknown.removeAll(QueueServerMain.ENVIRONMENT_VARIABLES);
    assertEquals(Set.of(), unknown, "variables the queue server does not read");
  }

  @Test
  void theReadmesRequiredKeysAreSetAndItsTableNamesOnlyRealKeys() throws IOException {
    Map<String, String> defaults = readmeConfiguration();
    assertTrue(defaults.containsKey("spindle.secret"), "README's configuration table: " + defaults);
    Set<String> notKeys = new TreeSet<>(defaults.keySet());
    notKeys.removeAll(ConfigKeys.all());
    assertEquals(Set.of(), notKeys, "README names keys the node does not read");
    Map<String, String> env = environment("node");
    for (Map.Entry<String, String> e : defaults.entrySet()) {
      String key = e.getKey();
      String text = e.getValue();
      if (!text.contains("required")) {
        continue;
      }
      Matcher condition = Pattern.compile("required with `([a-z0-9.-]+)`").matcher(text);
      if (condition.find() && !isSet(env, condition.group(1))) {
        continue;
      }
      assertTrue(isSet(env, key), "README marks " + key + " required; the node service lacks it");
    }
  }

  @Test
  void secretsComeFromMountedFilesOnly() {
    for (String secret : SecretFiles.SECRET_KEYS) {
      assertFalse(
          environment("node").containsKey(ConfigKeys.envName(secret)),
          secret + " must come from a secret file, not from the compose file's text");
    }
    Map<String, Object> declared = map(compose.get("secrets"));
    for (String name : List.of("mysql", "redis", "queue", "node")) {
      Set<String> mounted = new TreeSet<>(strings(service(name).get("secrets")));
      assertTrue(declared.keySet().containsAll(mounted), name + " mounts undeclared secrets");
      List<String> uses = new ArrayList<>(environment(name).values());
      uses.addAll(strings(service(name).get("command")));
      Matcher m = Pattern.compile("/run/secrets/([A-Za-z0-9_]+)").matcher(String.join(" ", uses));
      while (m.find()) {
        assertTrue(mounted.contains(m.group(1)), name + " reads " + m.group() + " unmounted");
      }
      for (String value : environment(name).values()) {
        assertFalse(
            value.matches("(?i).*(password|secret)=.*"), name + " has a secret inline: " + value);
      }
    }
  }

  @Test
  void everyServiceHasAHealthCheckAndNodesWaitForTheDatabase() {
    for (String name : map(compose.get("services")).keySet()) {
      assertTrue(service(name).containsKey("healthcheck"), name + " has no health check");
    }
    Map<String, Object> dependsOn = map(service("node").get("depends_on"));
    for (String upstream : List.of("mysql", "redis", "queue")) {
      assertEquals(
          "service_healthy",
          map(dependsOn.get(upstream)).get("condition"),
          "the node starts once " + upstream + " is healthy");
    }
  }

  @Test
  void composeSecretsMakesEveryFileTheComposeFileMounts(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("secrets");
    Process p =
        new ProcessBuilder(
                "bash",
                PROJECT.resolve("bin/spindle").toString(),
                "compose-secrets",
                dir.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "compose-secrets did not finish in 120 s");
    assertEquals(0, p.exitValue(), output);
    for (Map.Entry<String, Object> secret : map(compose.get("secrets")).entrySet()) {
      String file = (String) map(secret.getValue()).get("file");
      assertTrue(
          file.startsWith("./deploy/secrets/"), secret.getKey() + " lives elsewhere: " + file);
      Path made = dir.resolve(file.substring("./deploy/secrets/".length()));
      assertTrue(Files.size(made) > 0, "compose-secrets did not make " + made);
    }
    String tokens = Files.readString(dir.resolve("tokens"));
    String token = Files.readString(dir.resolve("client-token")).strip();
    assertFalse(tokens.contains(token), "the tokens file holds hashes, never the token");
    assertTrue(Files.readString(dir.resolve("cluster_secret")).strip().length() >= 16);
  }

  private static boolean isSet(Map<String, String> env, String key) {
    return env.containsKey(ConfigKeys.envName(key))
        || (SecretFiles.SECRET_KEYS.contains(key)
            && env.containsKey(ConfigKeys.envName(SecretFiles.fileKey(key))));
  }

  /**
   * The README's configuration table: each key with the text of its default column. A row naming
   * several keys ({@code spindle.db.url}, {@code .user}, {@code .password}) gives each of them.
   */
  private static Map<String, String> readmeConfiguration() throws IOException {
    String readme = Files.readString(PROJECT.resolve("README.md"));
    int start = readme.indexOf("\n## Configuration");
    assertTrue(start >= 0, "README has a Configuration section");
    Map<String, String> keys = new TreeMap<>();
    boolean inTable = false;
    for (String line : readme.substring(start).split("\n")) {
      if (line.startsWith("| key |")) {
        inTable = true;
        continue;
      }
      if (inTable && !line.startsWith("|")) {
        break;
      }
      if (!inTable || line.startsWith("|---")) {
        continue;
      }
      String[] cells = line.split("\\|");
      String first = null;
      Matcher m = Pattern.compile("`([a-z0-9.-]+)`").matcher(cells[1]);
      while (m.find()) {
        String name = m.group(1);
        if (name.startsWith(".") && first != null) {
          name = first.substring(0, first.lastIndexOf('.')) + name;
        } else {
          first = name;
        }
        keys.put(name, cells[2]);
      }
    }
    return keys;
  }

  private static Map<String, Object> service(String name) {
    Map<String, Object> s = map(map(compose.get("services")).get(name));
    assertFalse(s.isEmpty(), "docker-compose.yml has no service " + name);
    return s;
  }

  /** A service's environment, in either of compose's forms (a map, or a list of NAME=value). */
  private static Map<String, String> environment(String name) {
    Object env = service(name).get("environment");
    Map<String, String> values = new TreeMap<>();
    if (env instanceof Map<?, ?> m) {
      m.forEach((k, v) -> values.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
    } else {
      for (String entry : strings(env)) {
        int eq = entry.indexOf('=');
        values.put(eq < 0 ? entry : entry.substring(0, eq), eq < 0 ? "" : entry.substring(eq + 1));
      }
    }
    return values;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> ? (Map<String, Object>) o : Map.of();
  }

  private static List<String> strings(Object o) {
    List<String> out = new ArrayList<>();
    if (o instanceof List<?> list) {
      list.forEach(v -> out.add(String.valueOf(v)));
    } else if (o instanceof String s) {
      out.addAll(List.of(s.trim().split("\\s+")));
    }
    return out;
  }
}
