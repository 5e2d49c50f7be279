package io.spindle.web.api;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** The REST API's root: every resource lives under {@code /api}. */
@ApplicationPath("api")
public class SpindleApi extends Application {}
