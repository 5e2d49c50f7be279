package io.spindle.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * How a command that runs until interrupted ({@code group join --keep}) learns that the user
 * interrupted it (Ctrl-C, SIGINT; or SIGTERM), so that it can end its work (leave its group) and
 * exit 0. {@link #SIGNALS} handles the two signals itself: a shutdown hook could not, as the JVM
 * would still exit with status 130 or 143 once the hooks ran. Tests interrupt by hand instead.
 */
interface Interrupts {
  /**
   * Runs {@code onInterrupt} (on another thread) each time the user interrupts, until the returned
   * handle is closed; closing it restores what interrupts did before.
   */
  AutoCloseable onInterrupt(Runnable onInterrupt);

  /** SIGINT and SIGTERM, through the JDK's signal handlers (module jdk.unsupported). */
  Interrupts SIGNALS =
      onInterrupt -> {
        List<Runnable> restore = new ArrayList<>();
        for (String name : List.of("INT", "TERM")) {
          try {
            sun.misc.Signal signal = new sun.misc.Signal(name);
            sun.misc.SignalHandler previous =
                sun.misc.Signal.handle(signal, s -> onInterrupt.run());
            restore.add(() -> sun.misc.Signal.handle(signal, previous));
          } catch (IllegalArgumentException notOnThisPlatform) {
            // the signal does not exist here, or the JVM keeps it (-Xrs): it ends the process
          }
        }
        return () -> restore.forEach(Runnable::run);
      };
}
