/**
 * The node's page at {@code /}: a Faces view ({@code index.xhtml}) with plain JavaScript that
 * uploads (streamed {@code PUT /api/files/{name}} with upload progress), lists, downloads, deletes
 * and counts files through the REST API, lists groups and follows the chosen group's members (a
 * watch of {@code /api/groups/{group}}), and {@link io.spindle.web.page.ClusterStatusServlet},
 * which gathers every member's own view of the cluster for the status panel. Depends on the API
 * package's views and the node runtime; nothing depends on it.
 */
package io.spindle.web.page;
