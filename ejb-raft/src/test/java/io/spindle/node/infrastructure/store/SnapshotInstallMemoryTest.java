package io.spindle.node.infrastructure.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.spindle.node.domain.Sha256;
import io.spindle.protocol.node.NodeCommand;
import io.spindle.protocol.node.StoreFile;
import io.spindle.raft.Configuration;
import io.spindle.raft.Entry;
import io.spindle.raft.SnapshotMeta;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot installs in bounded memory: a node on embedded H2 with a {@value #HEAP_MB} MiB heap
 * installs a snapshot of {@value #FILES} files of 1 MiB less one byte (about 400 MiB) in one
 * transaction. Run in a child JVM with that heap; before the persistence context was cleared after
 * each chunk, it ran out of memory at about 100 MiB of snapshot per 256 MiB of heap.
 */
class SnapshotInstallMemoryTest {
  static final int FILES = 400;
  static final int HEAP_MB = 320;
  private static final int FILE_BYTES = (1 << 20) - 1;

  @TempDir Path dir;

  @Test
  void aSnapshotLargerThanTheHeapInstallsOnH2() throws Exception {
    Path snapshot = dir.resolve("snapshot");
    long applied = writeSnapshot(dir.resolve("source"), snapshot);

    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + HEAP_MB + "m",
                "-cp",
                classpath,
                Install.class.getName(),
                dir.resolve("target").toString(),
                snapshot.toString(),
                Long.toString(applied),
                dir.resolve("result").toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(child.waitFor(5, TimeUnit.MINUTES), "the install finished");
    assertEquals(0, child.exitValue(), output);
    assertEquals(
        "installed " + FILES + " files at index " + applied,
        Files.readString(dir.resolve("result")),
        output);
  }

  /** Stores the files in a source store on H2 files and writes its snapshot; its applied index. */
  private static long writeSnapshot(Path sourceDir, Path snapshot) throws IOException {
    TestDatabase source = TestDatabase.createH2Files(sourceDir);
    try {
      FileStoreStateMachine sm = source.stateMachine(StoreSettings.defaults());
      Random random = new Random(7);
      byte[] content = new byte[FILE_BYTES];
      long index = 1;
      for (int f = 0; f < FILES; f++) {
        random.nextBytes(content);
        List<Entry> one = new ArrayList<>();
        one.add(Entry.command(index++, 1, store("files/" + f, content, "w" + f)));
        sm.apply(one);
      }
      try (OutputStream out = Files.newOutputStream(snapshot)) {
        sm.takeSnapshot(out);
      }
      return sm.appliedIndex();
    } finally {
      source.closeFactory();
    }
  }

  private static byte[] store(String name, byte[] content, String requestId) {
    return NodeCommand.newBuilder()
        .setStoreFile(
            StoreFile.newBuilder()
                .setName(ByteString.copyFrom(name, StandardCharsets.UTF_8))
                .setSha256(ByteString.copyFrom(Sha256.of(content)))
                .setData(ByteString.copyFrom(content))
                .setRequestId(requestId)
                .setStoredAtMillis(1))
        .build()
        .toByteArray();
  }

  /** The child JVM: installs the snapshot into a fresh store on H2 files and counts its files. */
  static final class Install {
    public static void main(String[] args) throws IOException {
      Path target = Path.of(args[0]);
      Path snapshot = Path.of(args[1]);
      long applied = Long.parseLong(args[2]);
      TestDatabase database = TestDatabase.createH2Files(target);
      FileStoreStateMachine sm = database.stateMachine(StoreSettings.defaults());
      try (InputStream in = new BufferedInputStream(Files.newInputStream(snapshot))) {
        sm.installSnapshot(
            in, new SnapshotMeta(applied, 1, Configuration.empty(), Files.size(snapshot)));
      }
      int files = sm.listFiles().size();
      database.closeFactory();
      Files.writeString(
          Path.of(args[3]), "installed " + files + " files at index " + sm.appliedIndex());
    }
  }
}
