/** The messages Raft peers exchange, as records; the transport maps them to protobuf. */
package io.spindle.raft.message;
