package io.spindle.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.spindle.protocol.queue.Delete;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.Welcome;
import io.spindle.protocol.queue.WriteBegin;
import io.spindle.queue.client.QueueConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/** Benchmarks against a running cluster. */
@Command(
    name = "bench",
    description = "Benchmarks against a running cluster.",
    subcommands = {BenchCommand.Queue.class, CountBench.class, PingBench.class})
final class BenchCommand implements Callable<Integer> {
  @ParentCommand SpindleCli cli;

  @Override
  public Integer call() {
    throw new CliException(
        ExitCode.USAGE, "bench needs a benchmark: bench queue, bench count or bench ping");
  }

  /**
   * {@code bench queue}: small writes through the queue servers, many in flight, then one large
   * file read in parallel from its holders. Standard output carries only {@code NAME VALUE UNIT}
   * lines; progress and counts go to standard error.
   */
  @Command(
      name = "queue",
      sortOptions = false,
      description = {
        "Small writes through the queue servers, each answered once committed, many in flight over"
            + " a few connections; then one large file written and read back in parallel from the"
            + " nodes holding it. Prints NAME VALUE UNIT lines: queue.small.jobs (jobs/s),"
            + " queue.small.p50 and queue.small.p99 (ms), queue.small.busy (count),"
            + " queue.write.mbps, queue.read.single.mbps (one plain GET from one node, nothing"
            + " verified) and queue.read.mbps (MB/s, 10^6 bytes; the better of two reads each,"
            + " taken in turn).",
        "Here --timeout bounds the whole run (default 1800 s).",
      })
  static final class Queue implements Callable<Integer> {
    static final long DEFAULT_RUN_SECONDS = 1800;

    /** Time to delete what was written, even when the run itself ran out of time. */
    static final Duration CLEANUP_GRACE = Duration.ofSeconds(30);

    private static final long MIB = 1024 * 1024;

    /** Plain GETs and verified reads of the large file, taken in turn. */
    private static final int READ_ROUNDS = 2;

    @ParentCommand BenchCommand bench;
    @Spec CommandSpec spec;

    @Option(
        names = "--writes",
        paramLabel = "N",
        description = "measured small writes (default ${DEFAULT-VALUE})")
    int writes = 20_000;

    @Option(
        names = "--warmup",
        paramLabel = "N",
        description = "small writes before the measured ones (default ${DEFAULT-VALUE})")
    int warmup = 1_000;

    @Option(
        names = "--in-flight",
        paramLabel = "N",
        description = "requests outstanding at once (default ${DEFAULT-VALUE})")
    int inFlight = 256;

    @Option(
        names = "--connections",
        paramLabel = "N",
        description = "connections they are spread over (default ${DEFAULT-VALUE})")
    int connections = 4;

    @Option(
        names = "--size",
        paramLabel = "BYTES",
        description = "bytes per small write, sent inline (default ${DEFAULT-VALUE})")
    int size = 4096;

    @Option(
        names = "--read-mib",
        paramLabel = "N",
        description =
            "MiB of the file written and read back; 0 skips both (default ${DEFAULT-VALUE})")
    long readMib = 1024;

    @Option(
        names = "--read-parallel",
        paramLabel = "N",
        description =
            "streams at most in the verified read, one per holder (default ${DEFAULT-VALUE})")
    int readParallel = 3;

    @Option(
        names = "--prefix",
        paramLabel = "NAME",
        description = "what the written names start with (default bench/RANDOM/)")
    String prefix;

    @Option(names = "--keep", description = "keep the written files (else they are deleted)")
    boolean keep;

    @Override
    public Integer call() {
      SpindleCli cli = bench.cli;
      validate();
      long runNanos = Duration.ofSeconds(runSeconds(cli)).toNanos();
      long deadline = System.nanoTime() + runNanos;
      SecureRandom seeds = new SecureRandom();
      String names =
          prefix != null ? prefix : "bench/" + HexFormat.of().toHexDigits(seeds.nextInt()) + "/";
      try (ClusterClient cluster = cli.cluster()) {
        List<QueueConnection> pool;
        try {
          pool = cluster.openPool(connections);
        } catch (IOException e) {
          throw new CliException(ExitCode.UNAVAILABLE, "bench queue: " + e.getMessage());
        }
        try {
          return new Session(cli, cluster, pool, names, seeds.nextLong(), deadline).run();
        } finally {
          pool.forEach(QueueConnection::close);
        }
      }
    }

    private void validate() {
      if (writes < 1 || warmup < 0 || inFlight < 1 || connections < 1 || size < 0) {
        throw new CliException(
            ExitCode.USAGE,
            "--writes, --in-flight and --connections must be at least 1, --warmup and --size not"
                + " negative");
      }
      if (readMib < 0 || readParallel < 1) {
        throw new CliException(
            ExitCode.USAGE, "--read-mib must not be negative, --read-parallel at least 1");
      }
      if (prefix != null && prefix.isEmpty()) {
        throw new CliException(ExitCode.USAGE, "--prefix must not be empty");
      }
    }

    /** The inherited --timeout bounds the whole run when given; else a generous default. */
    private long runSeconds(SpindleCli cli) {
      for (ParseResult p = spec.root().commandLine().getParseResult();
          p != null;
          p = p.subcommand()) {
        if (p.hasMatchedOption("--timeout")) {
          return cli.timeoutSeconds;
        }
      }
      return DEFAULT_RUN_SECONDS;
    }

    /** One run: its connections, names and clock. */
    private final class Session {
      private final SpindleCli cli;
      private final ClusterClient cluster;
      private final List<QueueConnection> pool;
      private final String names;
      private final long seed;
      private final long deadline;
      private final String runId = ClusterClient.newRequestId();
      private RequestPipeline.Outcome written;
      private boolean bigWritten;

      Session(
          SpindleCli cli,
          ClusterClient cluster,
          List<QueueConnection> pool,
          String names,
          long seed,
          long deadline) {
        this.cli = cli;
        this.cluster = cluster;
        this.pool = pool;
        this.names = names;
        this.seed = seed;
        this.deadline = deadline;
      }

      int run() {
        CliException failure = null;
        try {
          smallWrites();
          if (readMib > 0) {
            read();
          }
        } catch (CliException e) {
          failure = e;
        }
        CliException cleanup = keep ? null : cleanUp();
        if (keep) {
          progress("kept the files under " + names);
        }
        if (failure != null) {
          throw cleanup == null
              ? failure
              : new CliException(
                  failure.exitCode(), failure.getMessage() + "; and " + cleanup.getMessage());
        }
        if (cleanup != null) {
          throw cleanup;
        }
        return ExitCode.OK;
      }

      private void smallWrites() {
        Welcome welcome = pool.get(0).welcome();
        if (size > welcome.getMaxInlineBytes()) {
          throw new CliException(
              ExitCode.USAGE,
              "--size "
                  + size
                  + " is over what "
                  + pool.get(0).address()
                  + " takes inline ("
                  + welcome.getMaxInlineBytes()
                  + " bytes)");
        }
        progress(
            String.format(
                Locale.ROOT,
                "%d warm-up and %d measured writes of %d B under %s, %d in flight over %d"
                    + " connections (%s)",
                warmup,
                writes,
                size,
                names,
                inFlight,
                pool.size(),
                String.join(
                    ", ", pool.stream().map(c -> c.address().toString()).distinct().toList())));
        SmallWrites requests = new SmallWrites(runId, names, size, seed);
        RequestPipeline.Outcome o;
        try (RequestPipeline pipeline = new RequestPipeline(pool, inFlight, size)) {
          o = pipeline.run("write", warmup + writes, warmup, requests, e -> false, deadline);
        }
        written = o;
        if (o.busyRetries() > 0) {
          progress(o.busyRetries() + " BUSY answers, each retried after the delay asked for");
        }
        if (o.failure().isPresent()) {
          throw o.failure().get();
        }
        long[] sorted = o.latencyNanos().clone();
        Arrays.sort(sorted);
        progress(
            String.format(
                Locale.ROOT,
                "%d writes committed in %.2f s after the warm-up",
                writes,
                o.measuredNanos() / 1e9));
        result("queue.small.jobs", String.format(Locale.ROOT, "%.1f", o.perSecond()), "jobs/s");
        result("queue.small.p50", millis(percentile(sorted, 50)), "ms");
        result("queue.small.p99", millis(percentile(sorted, 99)), "ms");
        result("queue.small.busy", Integer.toString(o.busyRetries()), "count");
      }

      private void read() {
        String name = bigName();
        long bytes = readMib * MIB;
        Duration left = remaining();
        progress("writing " + readMib + " MiB of random bytes as " + name);
        bigWritten = true; // a failed write may still have been committed: delete it anyway
        long writeStart = System.nanoTime();
        new Uploader(cluster, cli.err, cli.progress(), left)
            .upload(new RandomContent(seed ^ 0x5DEECE66DL, bytes), name);
        long wrote = System.nanoTime() - writeStart;
        progress(String.format(Locale.ROOT, "wrote %d MiB in %.2f s", readMib, wrote / 1e9));
        mbps("queue.write.mbps", bytes, wrote);
        checkTime("the read");
        Path dir = null;
        try {
          dir = Files.createTempDirectory("spindle-bench-");
          Path target = dir.resolve("read.bin");
          Downloader downloader = new Downloader(cluster, readParallel, cli.err, cli.progress());
          // Alternately, so that neither read has the nodes to itself after the write or only
          // once they settled: each rate is the better of its READ_ROUNDS.
          long bestGet = Long.MAX_VALUE;
          long bestRead = Long.MAX_VALUE;
          for (int round = 1; round <= READ_ROUNDS; round++) {
            progress("reading it with one plain GET from one node, nothing verified");
            long getStart = System.nanoTime();
            long got = downloader.singleGet(name, target);
            long getTook = System.nanoTime() - getStart;
            Files.deleteIfExists(target);
            if (got != bytes) {
              throw new CliException(
                  ExitCode.OTHER,
                  "bench queue: the plain GET returned " + got + " bytes, not " + bytes);
            }
            progress(String.format(Locale.ROOT, "got %d MiB in %.2f s", readMib, getTook / 1e9));
            bestGet = Math.min(bestGet, getTook);
            checkTime("the read");
            progress("reading it back verified, in up to " + readParallel + " streams");
            long start = System.nanoTime();
            Downloader.Result r = downloader.readToFile(name, false, target);
            long took = System.nanoTime() - start;
            Files.deleteIfExists(target);
            List<String> holders = List.copyOf(new TreeSet<>(r.servedBy()));
            progress(
                String.format(
                    Locale.ROOT,
                    "read %d MiB in %.2f s, sha256 verified; %d holders served chunks (%s)",
                    readMib,
                    took / 1e9,
                    holders.size(),
                    String.join(", ", holders)));
            bestRead = Math.min(bestRead, took);
            checkTime("the read");
          }
          mbps("queue.read.single.mbps", bytes, bestGet);
          mbps("queue.read.mbps", bytes, bestRead);
        } catch (IOException e) {
          throw new CliException(
              ExitCode.OTHER, "bench queue: cannot use a temporary file: " + e.getMessage());
        } finally {
          if (dir != null) {
            deleteQuietly(dir);
          }
        }
      }

      /** Deletes what was written; returns why it could not, if it could not. */
      private CliException cleanUp() {
        List<String> doomed = new ArrayList<>();
        if (written != null) {
          for (int i : written.succeededIndexes()) {
            doomed.add(SmallWrites.name(names, i));
          }
        }
        if (bigWritten) {
          doomed.add(bigName());
        }
        if (doomed.isEmpty()) {
          return null;
        }
        long cleanupDeadline = Math.max(deadline, System.nanoTime() + CLEANUP_GRACE.toNanos());
        RequestPipeline.Outcome o;
        try (RequestPipeline pipeline = new RequestPipeline(pool, inFlight, 0)) {
          o =
              pipeline.run(
                  "delete",
                  doomed.size(),
                  0,
                  (i, buffer) ->
                      Request.newBuilder()
                          .setRequestId(runId + "-rm-" + i)
                          .setDelete(Delete.newBuilder().setName(doomed.get(i)))
                          .build(),
                  e -> e.getCode() == ErrorCode.NOT_FOUND,
                  cleanupDeadline);
        }
        if (o.failure().isPresent()) {
          return new CliException(
              o.failure().get().exitCode(),
              "could not delete every file under "
                  + names
                  + " ("
                  + o.failure().get().getMessage()
                  + "); list them with: spindle ls "
                  + names);
        }
        progress("deleted the " + doomed.size() + " files written under " + names);
        return null;
      }

      private String bigName() {
        return names + "read.bin";
      }

      private Duration remaining() {
        checkTime("the next step");
        return Duration.ofNanos(deadline - System.nanoTime());
      }

      private void checkTime(String what) {
        if (System.nanoTime() >= deadline) {
          throw new CliException(
              ExitCode.UNAVAILABLE,
              "bench queue ran out of time before " + what + "; give it a longer --timeout");
        }
      }

      /** A rate in MB/s (10^6 bytes) of {@code bytes} moved in {@code nanos}. */
      private void mbps(String name, long bytes, long nanos) {
        result(name, String.format(Locale.ROOT, "%.1f", bytes / 1e6 / (nanos / 1e9)), "MB/s");
      }

      private void result(String name, String value, String unit) {
        cli.out.println(name + " " + value + " " + unit);
        cli.out.flush();
      }

      private void progress(String message) {
        cli.err.println("bench queue: " + message);
        cli.err.flush();
      }
    }

    /** Nearest-rank percentile of sorted values. */
    static long percentile(long[] sorted, int p) {
      if (sorted.length == 0) {
        return 0;
      }
      int rank = (int) Math.ceil(p / 100.0 * sorted.length);
      return sorted[Math.max(0, rank - 1)];
    }

    static String millis(long nanos) {
      return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }

    private static void deleteQuietly(Path dir) {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
      } catch (IOException ignored) {
        // a temporary directory left behind at worst
      }
    }
  }

  /**
   * The small writes: distinct names, fresh random content in the slot's buffer, hashed into a
   * reused digest; each write a new request id. Used from the sending thread only.
   */
  static final class SmallWrites implements RequestPipeline.Requests {
    private final String runId;
    private final String names;
    private final int size;
    private final SplittableRandom random;
    private final MessageDigest sha256 = Uploader.newSha256();
    private final byte[] digest = new byte[32];

    SmallWrites(String runId, String names, int size, long seed) {
      this.runId = runId;
      this.names = names;
      this.size = size;
      this.random = new SplittableRandom(seed);
    }

    static String name(String names, int index) {
      return names + "small/" + index;
    }

    @Override
    public Request build(int index, byte[] buffer) {
      random.nextBytes(buffer);
      sha256.update(buffer, 0, size);
      try {
        sha256.digest(digest, 0, digest.length);
      } catch (DigestException e) {
        throw new IllegalStateException("SHA-256 did not fit 32 bytes", e);
      }
      return Request.newBuilder()
          .setRequestId(runId + "-" + index)
          .setWriteBegin(
              WriteBegin.newBuilder()
                  .setName(name(names, index))
                  .setSize(size)
                  .setSha256(ByteString.copyFrom(digest))
                  .setInlineData(UnsafeByteOperations.unsafeWrap(buffer, 0, size)))
          .build();
    }
  }
}
