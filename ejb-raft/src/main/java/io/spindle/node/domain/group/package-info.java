/**
 * Group membership's values: a group's and a member's names ({@link GroupName}, {@link MemberId}),
 * what a member joins with ({@link MemberSpec}), and what the cluster shows of groups and members
 * ({@link GroupMember}, {@link GroupView}, {@link GroupSummary}, {@link GroupChange}).
 */
package io.spindle.node.domain.group;
