/**
 * The node's application services (the file store, counting, later groups): what the interfaces
 * call. {@link io.spindle.node.application.CountService} splits a file into {@link
 * io.spindle.node.application.RangeTask}s, has a {@link io.spindle.node.application.RangeCounter}
 * count them (today {@link io.spindle.node.application.LocalRangeCounter}, from this node's copy)
 * and merges the results. Depends on the domain; the infrastructure implements what it needs.
 */
package io.spindle.node.application;
