package io.spindle.node.domain.group;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A member of a group as the replicated state has it.
 *
 * @param joinedAt when it joined (the leader's clock when it proposed the join)
 * @param lastRenewed its last renewal or successful probe the log recorded (the leader records
 *     renewals in the log about once a second, so a replica's view may lag by that much)
 * @param joinIndex the log index of its join: a member that left and joined again has a new one
 */
public record GroupMember(
    MemberId id,
    String address,
    Map<String, String> meta,
    Instant joinedAt,
    Instant lastRenewed,
    MemberState state,
    Duration ttl,
    Probe probe,
    long joinIndex) {}
