/**
 * Client authentication shared by the queue server and the nodes: the tokens file and the token
 * nodes derive from the cluster secret. JDK only.
 */
package io.spindle.protocol.auth;
