package io.spindle.raft.server.log;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import io.spindle.raft.HardState;
import io.spindle.raft.NodeId;
import io.spindle.raft.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;
import java.util.zip.CRC32C;

/**
 * The node's term and vote ({@link HardState}) in the file {@code hard-state}, durable before the
 * driver lets anyone hear of them (§5.1).
 *
 * <p><b>Why two slots rather than write-temp-and-rename:</b> the state is saved on every term
 * change and vote, on the election path. Rename costs two fsyncs and a directory change per save;
 * two fixed slots cost one {@code fdatasync} of an in-place write. Saves alternate between the
 * slots, each carrying a sequence number and a CRC; {@link #load} takes the valid slot with the
 * highest sequence. A crash can tear only the slot being written, which holds the older state, so
 * the last completed save always survives. Each slot fills a 4 KiB block of its own, so tearing one
 * cannot touch the other. The file is created once, already holding a valid slot, by an atomic
 * rename, so a file with no valid slot is corruption, not a crash.
 *
 * <p>Slot layout: int crc32c of the rest, int length of the rest, long sequence, long term, int
 * length of the vote's UTF-8 node id (-1 for no vote), the node id.
 *
 * <p><b>Threading:</b> not thread-safe; only the Raft driver's thread calls it. <b>Blocking:</b>
 * {@link #save} fsyncs. <b>Errors:</b> {@link StorageException}.
 */
public final class FileHardStateStore implements AutoCloseable {
  static final String FILE_NAME = "hard-state";
  static final int SLOT_BYTES = 4096;

  private static final Logger LOG = Logger.getLogger(FileHardStateStore.class.getName());
  private static final int NO_VOTE = -1;

  /** Sequence, term and the vote's length. */
  private static final int FIXED_PAYLOAD_BYTES = 8 + 8 + 4;

  private final Path dir;
  private final Path file;
  private final CRC32C crc = new CRC32C();
  private FileChannel channel;
  private long sequence;
  private HardState current;

  /** A store for the hard state in {@code dir}, created if missing; nothing is read yet. */
  public FileHardStateStore(Path dir) {
    DurableFiles.createDirectories(dir);
    this.dir = dir;
    this.file = dir.resolve(FILE_NAME);
  }

  /**
   * The last hard state saved, or {@link HardState#INITIAL} if none ever was.
   *
   * @throws StorageException if the file exists but neither slot holds a valid state
   */
  public HardState load() {
    if (current != null) {
      return current;
    }
    DurableFiles.deleteIfExists(DurableFiles.temporaryFor(file));
    if (!Files.exists(file)) {
      current = HardState.INITIAL;
      return current;
    }
    try {
      channel = FileChannel.open(file, READ, WRITE);
      Slot newest = newestValid(readSlots());
      sequence = newest.sequence();
      current = newest.state();
      return current;
    } catch (IOException e) {
      close();
      throw DurableFiles.failure("cannot read the hard state " + file, e);
    } catch (StorageException e) {
      close();
      throw e;
    }
  }

  /** Stores {@code state} durably; when this returns, a crash no longer loses it. */
  public void save(HardState state) {
    load();
    long next = sequence + 1;
    ByteBuffer slot = encode(next, state);
    try {
      if (channel == null) {
        create(next, slot);
      } else {
        DurableFiles.writeFully(channel, slot, slotPosition(next));
        channel.force(false);
      }
    } catch (IOException e) {
      throw DurableFiles.failure("cannot save the hard state " + file, e);
    }
    sequence = next;
    current = state;
  }

  @Override
  public void close() {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException e) {
      throw DurableFiles.failure("cannot close " + file, e);
    } finally {
      channel = null;
      current = null;
    }
  }

  /**
   * The first save creates the file, its slot in place, by a rename: it never lacks a valid slot.
   */
  private void create(long sequence, ByteBuffer slot) throws IOException {
    ByteBuffer content = ByteBuffer.allocate(2 * SLOT_BYTES);
    content.put((int) slotPosition(sequence), slot, 0, slot.remaining());
    DurableFiles.replaceAtomically(file, content);
    channel = FileChannel.open(file, READ, WRITE);
    LOG.info(() -> "Created the hard state file " + file);
  }

  private static long slotPosition(long sequence) {
    return (sequence % 2) * SLOT_BYTES;
  }

  private ByteBuffer encode(long sequence, HardState state) {
    byte[] vote =
        state.votedFor() == null
            ? new byte[0]
            : state.votedFor().value().getBytes(StandardCharsets.UTF_8);
    ByteBuffer slot = ByteBuffer.allocate(SLOT_BYTES);
    slot.putInt(0);
    slot.putInt(FIXED_PAYLOAD_BYTES + vote.length);
    slot.putLong(sequence);
    slot.putLong(state.term());
    slot.putInt(state.votedFor() == null ? NO_VOTE : vote.length);
    slot.put(vote);
    slot.putInt(0, checksum(slot, slot.position() - 4));
    return slot.clear();
  }

  /** What a slot holds: {@code state} is {@code null} when the slot is not valid. */
  private record Slot(long sequence, HardState state, String problem) {
    boolean isValid() {
      return state != null;
    }
  }

  private Slot decode(ByteBuffer slot) {
    int length = slot.getInt(4);
    if (length < FIXED_PAYLOAD_BYTES || length > SLOT_BYTES - 8) {
      return invalid("its length " + length + " is impossible");
    }
    if (checksum(slot, 4 + length) != slot.getInt(0)) {
      return invalid("its checksum does not match");
    }
    long sequence = slot.getLong(8);
    long term = slot.getLong(16);
    int voteLength = slot.getInt(24);
    if (voteLength != NO_VOTE && voteLength != length - FIXED_PAYLOAD_BYTES) {
      return invalid("its vote length " + voteLength + " disagrees with its length");
    }
    try {
      return new Slot(sequence, new HardState(term, vote(slot, voteLength)), null);
    } catch (IllegalArgumentException e) {
      return invalid(e.getMessage());
    }
  }

  private static NodeId vote(ByteBuffer slot, int voteLength) {
    if (voteLength == NO_VOTE) {
      return null;
    }
    byte[] id = new byte[voteLength];
    slot.get(28, id);
    return NodeId.of(new String(id, StandardCharsets.UTF_8));
  }

  private static Slot invalid(String problem) {
    return new Slot(-1, null, problem);
  }

  /** Both slots; where the file is cut short they read as zeros, which no valid slot holds. */
  private ByteBuffer readSlots() throws IOException {
    ByteBuffer slots = ByteBuffer.allocate(2 * SLOT_BYTES);
    while (slots.hasRemaining()) {
      if (channel.read(slots, slots.position()) < 0) {
        break;
      }
    }
    return slots;
  }

  /** The valid slot with the higher sequence. */
  private Slot newestValid(ByteBuffer slots) {
    Slot first = decode(slots.slice(0, SLOT_BYTES));
    Slot second = decode(slots.slice(SLOT_BYTES, SLOT_BYTES));
    if (!first.isValid() && !second.isValid()) {
      throw new StorageException(
          "the hard state "
              + file
              + " is corrupt: the first copy is invalid ("
              + first.problem()
              + ") and so is the second ("
              + second.problem()
              + "). The node's term and vote are lost, and guessing them could let it vote twice"
              + " in one term. Restore "
              + dir
              + " from a backup, or remove the node from the cluster and add it back with an"
              + " empty data directory.");
    }
    if (!second.isValid()) {
      return first;
    }
    if (!first.isValid()) {
      return second;
    }
    return first.sequence() > second.sequence() ? first : second;
  }

  private int checksum(ByteBuffer slot, int lengthFromFour) {
    crc.reset();
    crc.update(slot.slice(4, lengthFromFour));
    return (int) crc.getValue();
  }
}
