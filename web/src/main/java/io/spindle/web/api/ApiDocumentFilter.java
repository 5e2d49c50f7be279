package io.spindle.web.api;

import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.Paths;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.servers.Server;

/**
 * Completes the OpenAPI document Payara builds from the annotations (registered as {@code
 * mp.openapi.filter}), where annotations and {@code mp.openapi.*} config cannot:
 *
 * <ul>
 *   <li>the version is the build's ({@value #VERSION_KEY}, filled in by Maven), not a constant;
 *   <li>path templates are plain: JAX-RS's {@code {name: .+}} (a name may hold '/') is {@code
 *       {name}} in OpenAPI, which has no regular expressions in templates;
 *   <li>servers are relative to where the document was fetched: Payara names this machine's
 *       canonical host name (often {@code localhost}, or a container's name) and every listener's
 *       port, which a client elsewhere cannot use; the context root, a deployment option, stays
 *       (unless {@code mp.openapi.servers} names the servers);
 *   <li>a {@code GET} has no request body: Payara describes any parameter without a JAX-RS
 *       parameter annotation as the body, a watch's {@code @Suspended AsyncResponse} too;
 *   <li>schemas say only what was declared: Payara copies every default of a {@code @Schema}
 *       annotation into the document ({@code maxProperties: 0}, which would allow no property at
 *       all, {@code minLength: 0}, {@code nullable: false}...), and gives a non-object schema it
 *       merged the properties of another.
 * </ul>
 *
 * <p>Called once, when {@code /openapi} is first asked for; Payara keeps the document.
 */
public class ApiDocumentFilter implements OASFilter {
  static final String VERSION_KEY = "spindle.version";

  /** Servers an operator configured: kept as they are. */
  private static final String SERVERS_KEY = "mp.openapi.servers";

  private static final Pattern REGEX_TEMPLATE = Pattern.compile("\\{\\s*(\\w[\\w.-]*)\\s*:[^}]*}");

  @Override
  public void filterOpenAPI(OpenAPI openAPI) {
    Config config = ConfigProvider.getConfig(ApiDocumentFilter.class.getClassLoader());
    config
        .getOptionalValue(VERSION_KEY, String.class)
        .filter(v -> !v.isBlank() && !v.contains("${"))
        .ifPresent(v -> openAPI.getInfo().setVersion(v));
    plainTemplates(openAPI.getPaths());
    noBodiesOnGets(openAPI.getPaths());
    if (config.getOptionalValue(SERVERS_KEY, String.class).isEmpty()) {
      relativeServers(openAPI);
    }
  }

  @Override
  public Schema filterSchema(Schema schema) {
    if (Boolean.FALSE.equals(schema.getExclusiveMaximum())) {
      schema.setExclusiveMaximum(null);
    }
    if (Boolean.FALSE.equals(schema.getExclusiveMinimum())) {
      schema.setExclusiveMinimum(null);
    }
    if (Boolean.FALSE.equals(schema.getUniqueItems())) {
      schema.setUniqueItems(null);
    }
    if (Boolean.FALSE.equals(schema.getNullable())) {
      schema.setNullable(null);
    }
    if (Boolean.FALSE.equals(schema.getReadOnly())) {
      schema.setReadOnly(null);
    }
    if (Boolean.FALSE.equals(schema.getWriteOnly())) {
      schema.setWriteOnly(null);
    }
    if (Boolean.FALSE.equals(schema.getDeprecated())) {
      schema.setDeprecated(null);
    }
    if (Integer.valueOf(0).equals(schema.getMinLength())) {
      schema.setMinLength(null);
    }
    if (Integer.valueOf(0).equals(schema.getMinProperties())) {
      schema.setMinProperties(null);
    }
    if (Integer.valueOf(0).equals(schema.getMaxProperties())) {
      schema.setMaxProperties(null);
    }
    if (schema.getType() != null && schema.getType() != Schema.SchemaType.OBJECT) {
      schema.setProperties(null);
    }
    return schema;
  }

  /** {@code /api/files/{name: .+}} → {@code /api/files/{name}}. */
  static String plainTemplate(String path) {
    Matcher m = REGEX_TEMPLATE.matcher(path);
    return m.replaceAll(r -> Matcher.quoteReplacement("{" + r.group(1) + "}"));
  }

  private static void noBodiesOnGets(Paths paths) {
    if (paths == null || paths.getPathItems() == null) {
      return;
    }
    for (PathItem item : paths.getPathItems().values()) {
      if (item.getGET() != null) {
        item.getGET().setRequestBody(null);
      }
    }
  }

  private static void plainTemplates(Paths paths) {
    if (paths == null || paths.getPathItems() == null) {
      return;
    }
    for (Map.Entry<String, PathItem> entry : Map.copyOf(paths.getPathItems()).entrySet()) {
      String plain = plainTemplate(entry.getKey());
      if (!plain.equals(entry.getKey())) {
        paths.removePathItem(entry.getKey());
        paths.addPathItem(plain, entry.getValue());
      }
    }
  }

  private static void relativeServers(OpenAPI openAPI) {
    List<Server> servers = openAPI.getServers();
    if (servers == null || servers.isEmpty()) {
      return;
    }
    Set<String> roots = new LinkedHashSet<>();
    for (Server server : servers) {
      String path = URI.create(server.getUrl()).getPath();
      roots.add(path == null || path.isEmpty() ? "/" : path);
    }
    openAPI.setServers(
        roots.stream()
            .map(
                root ->
                    OASFactory.createServer()
                        .url(root)
                        .description(
                            "This node: relative to the address /openapi was fetched from"))
            .toList());
  }
}
