package io.spindle.web;

import java.net.URI;
import java.net.URL;

/** Where the web ITs' deployment ({@code spindle.war}) answers. */
final class ItDeployment {
  /** The archive's name, which is its context root on Payara Micro. */
  static final String ARCHIVE = "spindle.war";

  private static final String CONTEXT = "/spindle/";

  private ItDeployment() {}

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
