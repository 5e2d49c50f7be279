/**
 * Test helpers every module's tests share: {@link io.spindle.testkit.Await}. Depends on the JDK
 * only; modules use it in test scope.
 */
package io.spindle.testkit;
