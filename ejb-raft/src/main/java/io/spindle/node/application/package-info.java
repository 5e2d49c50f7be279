/**
 * The node's application services (the file store, later counting and groups): what the interfaces
 * call. Depends on the domain; the infrastructure implements what it needs.
 */
package io.spindle.node.application;
