/**
 * Test helpers every module's tests share: {@link io.spindle.testkit.Await} (wait on a condition
 * with a deadline), {@link io.spindle.testkit.LogCapture} (what a logger logged), {@link
 * io.spindle.testkit.ManualClock} (a clock that moves when the test moves it); and, in {@code
 * lincheck}, the linearizability checker of key-value histories. Depends on the JDK only; modules
 * use it in test scope.
 */
package io.spindle.testkit;
