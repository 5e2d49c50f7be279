package io.spindle.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import io.spindle.web.api.SpindleApi;
import io.spindle.web.auth.ClientAuthFilter;
import jakarta.servlet.annotation.WebFilter;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.zip.ZipFile;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The OpenAPI document the packaged WAR serves at {@code /openapi} on a real Payara Micro: anyone
 * reads it, as YAML or JSON, and it describes every resource method of the API (found by
 * reflection, so a method added without a description fails here) under its real URL, with exactly
 * the status codes its {@code @APIResponse}s declare. The JSON is parsed with org.json, which the
 * WAR carries (Jedis needs it).
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class OpenApiDocumentIT {
  private static final String API_PACKAGE = "io.spindle.web.api";

  // HTTP/1.1: with the default h2c upgrade Payara Micro drops some answers ("EOF reached").
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @ArquillianResource URL base;

  @Deployment(testable = false)
  static WebArchive war() {
    return ItDeployment.war();
  }

  @Test
  void anyoneReadsTheDocumentAsYamlOrJson() throws Exception {
    HttpResponse<String> yaml = get(root("/openapi"), null);
    assertEquals(200, yaml.statusCode(), yaml.body());
    assertTrue(yaml.body().startsWith("openapi: 3."), yaml.body());
    assertTrue(yaml.body().contains("title: Spindle"), yaml.body());

    HttpResponse<String> json = get(root("/openapi?format=JSON"), null);
    assertEquals(200, json.statusCode(), json.body());
    assertTrue(contentType(json).startsWith("application/json"), contentType(json));
    assertEquals("Spindle", new JSONObject(json.body()).getJSONObject("info").getString("title"));

    HttpResponse<String> accepted = get(root("/openapi"), "application/json");
    assertEquals(200, accepted.statusCode(), accepted.body());
    assertTrue(contentType(accepted).startsWith("application/json"), contentType(accepted));
    assertEquals(json.body(), accepted.body(), "the same document either way");
  }

  @Test
  void everyResourceMethodIsDescribedUnderItsUrlWithItsStatusCodes() throws Exception {
    HttpResponse<String> answer = get(root("/openapi?format=JSON"), null);
    assertEquals(200, answer.statusCode(), answer.body());
    JSONObject doc = new JSONObject(answer.body());

    assertTrue(doc.getString("openapi").matches("3\\.\\d+\\.\\d+"), doc.getString("openapi"));
    JSONObject info = doc.getJSONObject("info");
    assertEquals("Spindle", info.getString("title"));
    assertEquals(projectVersion(), info.getString("version"), "the build's version");
    assertFalse(info.getString("description").isBlank());

    JSONObject scheme =
        doc.getJSONObject("components")
            .getJSONObject("securitySchemes")
            .getJSONObject(SpindleApi.CLIENT_TOKEN);
    assertEquals("http", scheme.getString("type"));
    assertEquals("bearer", scheme.getString("scheme"));
    assertTrue(
        doc.getJSONArray("security").getJSONObject(0).has(SpindleApi.CLIENT_TOKEN),
        "every operation needs the client token: " + doc.get("security"));

    // The server plus a path is the real URL: the server is the context root, relative to where
    // the document was fetched (the ITs deploy at /spindle, bin/spindle at /).
    String contextRoot = stripTrailingSlash(ItDeployment.appBase(base).getPath());
    String server = doc.getJSONArray("servers").getJSONObject(0).getString("url");
    assertEquals(contextRoot.isEmpty() ? "/" : contextRoot, server);
    HttpResponse<String> cluster =
        http.send(
            HttpRequest.newBuilder(root(stripTrailingSlash(server) + "/api/cluster"))
                .header("Authorization", ItTokens.BEARER)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, cluster.statusCode(), "server + path answers: " + cluster.body());

    JSONObject paths = doc.getJSONObject("paths");
    JSONObject sharedResponses = doc.getJSONObject("components").getJSONObject("responses");
    List<String> tokenPatterns =
        Arrays.asList(ClientAuthFilter.class.getAnnotation(WebFilter.class).urlPatterns());
    Set<String> described = new TreeSet<>();
    List<Method> methods = resourceMethods();
    assertTrue(methods.size() >= 9, "found the API's resource methods: " + methods);
    for (Method method : methods) {
      String where = method.getDeclaringClass().getSimpleName() + "." + method.getName();
      String path = fullPath(method);
      String verb = httpMethod(method).toLowerCase(java.util.Locale.ROOT);
      described.add(verb + " " + path);
      assertTrue(
          paths.has(path), where + ": " + path + " is not in the document: " + paths.keySet());
      assertTrue(
          paths.getJSONObject(path).has(verb),
          where + ": " + verb + " " + path + " is not in the document");
      JSONObject operation = paths.getJSONObject(path).getJSONObject(verb);
      if (verb.equals("get") || verb.equals("delete")) {
        // A watch's @Suspended AsyncResponse is no body: GET and DELETE take none.
        assertFalse(operation.has("requestBody"), where + ": " + verb + " with a request body");
      }

      Operation summarized = method.getAnnotation(Operation.class);
      assertNotNull(summarized, where + " has no @Operation");
      assertFalse(summarized.summary().isBlank(), where + " has no summary");
      assertEquals(summarized.summary(), operation.optString("summary"), where);

      Set<String> declared =
          Arrays.stream(method.getAnnotationsByType(APIResponse.class))
              .map(APIResponse::responseCode)
              .collect(Collectors.toCollection(TreeSet::new));
      Set<String> documented = new TreeSet<>(operation.getJSONObject("responses").keySet());
      assertEquals(declared, documented, where + ": the document's status codes");
      assertTrue(declared.stream().anyMatch(c -> c.startsWith("2")), where + " has no 2xx");
      if (needsToken(path, tokenPatterns)) {
        assertTrue(declared.contains("401"), where + " needs a token but declares no 401");
        assertTrue(declared.contains("403"), where + " needs a token but declares no 403");
      }
      for (String code : documented) {
        JSONObject response = operation.getJSONObject("responses").getJSONObject(code);
        if (response.has("$ref")) {
          String name = response.getString("$ref").substring("#/components/responses/".length());
          assertTrue(sharedResponses.has(name), where + " " + code + ": no response " + name);
          response = sharedResponses.getJSONObject(name);
        }
        assertFalse(
            response.optString("description").isBlank(), where + " " + code + ": no description");
      }
    }

    Set<String> schemas = doc.getJSONObject("components").getJSONObject("schemas").keySet();
    for (String ref : schemaRefs(doc, new TreeSet<>())) {
      assertTrue(
          schemas.contains(ref.substring("#/components/schemas/".length())),
          ref + " names no schema of the document: " + schemas);
    }

    Set<String> inDocument = new TreeSet<>();
    for (String path : paths.keySet()) {
      for (String verb : paths.getJSONObject(path).keySet()) {
        inDocument.add(verb + " " + path);
      }
    }
    assertEquals(described, inDocument, "the document describes the resource methods, no more");
  }

  /** Every {@code $ref} to a schema anywhere in {@code node}. */
  private static Set<String> schemaRefs(Object node, Set<String> refs) {
    if (node instanceof JSONObject object) {
      for (String key : object.keySet()) {
        Object value = object.get(key);
        if (key.equals("$ref")
            && value instanceof String ref
            && ref.startsWith("#/components/schemas/")) {
          refs.add(ref);
        } else {
          schemaRefs(value, refs);
        }
      }
    } else if (node instanceof org.json.JSONArray array) {
      for (Object item : array) {
        schemaRefs(item, refs);
      }
    }
    return refs;
  }

  /** Every public method with an HTTP method annotation of every @Path class of the API. */
  private static List<Method> resourceMethods() {
    List<Method> methods = new ArrayList<>();
    for (JavaClass type : new ClassFileImporter().importPackages(API_PACKAGE)) {
      if (!type.getPackageName().equals(API_PACKAGE) || !type.isAnnotatedWith(Path.class)) {
        continue;
      }
      for (Method method : type.reflect().getDeclaredMethods()) {
        if (Modifier.isPublic(method.getModifiers()) && httpMethod(method) != null) {
          methods.add(method);
        }
      }
    }
    return methods;
  }

  private static String httpMethod(Method method) {
    for (Annotation annotation : method.getAnnotations()) {
      HttpMethod verb = annotation.annotationType().getAnnotation(HttpMethod.class);
      if (verb != null) {
        return verb.value();
      }
    }
    return null;
  }

  /**
   * /{application path}/{class path}/{method path}, with JAX-RS's regular expressions left out of
   * the templates ({@code {name: .+}} is {@code {name}}).
   */
  private static String fullPath(Method method) {
    String application = SpindleApi.class.getAnnotation(ApplicationPath.class).value();
    String type = method.getDeclaringClass().getAnnotation(Path.class).value();
    Path sub = method.getAnnotation(Path.class);
    String path = "/" + application + "/" + type + (sub == null ? "" : "/" + sub.value());
    path = path.replaceAll("/+", "/").replaceAll("\\{\\s*(\\w[\\w.-]*)\\s*:[^}]*}", "{$1}");
    return path.length() > 1 ? stripTrailingSlash(path) : path;
  }

  /** Whether the auth filter covers a path in the app, by its servlet URL patterns ("/api/*"). */
  private static boolean needsToken(String inApp, List<String> patterns) {
    return patterns.stream()
        .anyMatch(
            p ->
                p.endsWith("/*")
                    ? inApp.startsWith(p.substring(0, p.length() - 1))
                        || inApp.equals(p.substring(0, p.length() - 2))
                    : inApp.equals(p));
  }

  /** The version Maven built the WAR with (its pom.properties). */
  private static String projectVersion() throws Exception {
    try (ZipFile war = new ZipFile(System.getProperty("spindle.it.war"))) {
      try (InputStream in =
          war.getInputStream(war.getEntry("META-INF/maven/io.spindle/web/pom.properties"))) {
        Properties pom = new Properties();
        pom.load(in);
        return pom.getProperty("version");
      }
    }
  }

  private HttpResponse<String> get(URI uri, String accept) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
    if (accept != null) {
      request.header("Accept", accept);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String contentType(HttpResponse<?> response) {
    return response.headers().firstValue("Content-Type").orElse("");
  }

  private static String stripTrailingSlash(String path) {
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  /** A path on the server's root (the document is not under the context root). */
  private URI root(String path) {
    return ItDeployment.appBase(base).resolve(path);
  }
}
