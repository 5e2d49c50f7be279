package io.spindle.raft;

import java.util.List;

/**
 * A {@link LogStore} that passes every call to another one: extend it to observe or change a few
 * calls (timing, recording, fault injection) without repeating the rest. Same contract as the log
 * it wraps.
 */
public abstract class ForwardingLogStore implements LogStore {
  protected final LogStore delegate;

  protected ForwardingLogStore(LogStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public long snapshotIndex() {
    return delegate.snapshotIndex();
  }

  @Override
  public long snapshotTerm() {
    return delegate.snapshotTerm();
  }

  @Override
  public long lastIndex() {
    return delegate.lastIndex();
  }

  @Override
  public long term(long index) {
    return delegate.term(index);
  }

  @Override
  public List<Entry> entries(long from, long toInclusive, long maxBytes) {
    return delegate.entries(from, toInclusive, maxBytes);
  }

  @Override
  public void append(List<Entry> entries) {
    delegate.append(entries);
  }

  @Override
  public void sync() {
    delegate.sync();
  }

  @Override
  public void compact(long index, long term) {
    delegate.compact(index, term);
  }

  @Override
  public void reset(long index, long term) {
    delegate.reset(index, term);
  }
}
