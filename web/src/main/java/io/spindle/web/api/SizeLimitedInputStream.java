package io.spindle.web.api;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * An upload's body that fails with {@link FileTooLargeException} as soon as more than the cluster's
 * maximum file size has been read: the cap holds for uploads without a {@code Content-Length}
 * (chunked) too, and nothing of a refused upload is stored.
 */
final class SizeLimitedInputStream extends FilterInputStream {
  private final long limit;
  private long read;

  SizeLimitedInputStream(InputStream in, long limit) {
    super(in);
    this.limit = limit;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      count(1);
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = super.read(buffer, offset, length);
    if (n > 0) {
      count(n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped = super.skip(n);
    count(skipped);
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  private void count(long n) throws FileTooLargeException {
    read += n;
    if (read > limit) {
      throw new FileTooLargeException(
          "the upload is larger than "
              + limit
              + " bytes, the most this cluster stores in one file;"
              + " nothing was stored");
    }
  }
}
