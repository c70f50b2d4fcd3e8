package dev.weir.log.network;

import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Splits a TCP byte stream into Kafka request frames: a 4-byte big-endian size, then that many
 * bytes. A size below zero or above {@code maxFrameBytes} (socket.request.max.bytes) is a protocol
 * violation the connection cannot recover from.
 *
 * <p>Frames up to 1 MiB (typical produce requests) get their whole buffer at once; a larger frame's
 * buffer grows with the bytes that actually arrive rather than being allocated at the announced
 * size, so a peer that announces a huge frame and then stalls holds little memory.
 * Not thread-safe: one decoder per connection, used on its event loop.
 */
final class FrameDecoder {
    /** Thrown for a size prefix the broker must not accept. */
    static final class InvalidFrameException extends Exception {
        InvalidFrameException(String message) {
            super(message, null, false, false);
        }
    }

    private static final int INITIAL_FRAME_CAPACITY = 1024 * 1024;

    private final int maxFrameBytes;
    private final Consumer<ByteBuffer> onFrame;
    private final byte[] sizeBytes = new byte[4];
    private int sizeRead;
    private int frameSize = -1;
    private byte[] frame;
    private int frameRead;

    FrameDecoder(int maxFrameBytes, Consumer<ByteBuffer> onFrame) {
        this.maxFrameBytes = maxFrameBytes;
        this.onFrame = onFrame;
    }

    void feed(Buffer chunk) throws InvalidFrameException {
        int pos = 0;
        int len = chunk.length();
        while (pos < len) {
            if (frameSize < 0) {
                int n = Math.min(4 - sizeRead, len - pos);
                chunk.getBytes(pos, pos + n, sizeBytes, sizeRead);
                sizeRead += n;
                pos += n;
                if (sizeRead == 4) {
                    startFrame(ByteBuffer.wrap(sizeBytes).getInt());
                }
            } else {
                int n = Math.min(frameSize - frameRead, len - pos);
                ensureCapacity(frameRead + n);
                chunk.getBytes(pos, pos + n, frame, frameRead);
                frameRead += n;
                pos += n;
            }
            if (frameSize >= 0 && frameRead == frameSize) {
                ByteBuffer complete = ByteBuffer.wrap(frame, 0, frameSize);
                sizeRead = 0;
                frameSize = -1;
                frame = null;
                frameRead = 0;
                onFrame.accept(complete);
            }
        }
    }

    private void startFrame(int size) throws InvalidFrameException {
        if (size < 0) {
            throw new InvalidFrameException("negative request size " + size);
        }
        if (size > maxFrameBytes) {
            throw new InvalidFrameException("request of " + size + " bytes exceeds socket.request.max.bytes="
                    + maxFrameBytes);
        }
        frameSize = size;
        frame = new byte[Math.min(size, INITIAL_FRAME_CAPACITY)];
        frameRead = 0;
    }

    private void ensureCapacity(int needed) {
        if (needed > frame.length) {
            int grown = (int) Math.min(frameSize, Math.max(needed, 2L * frame.length));
            frame = java.util.Arrays.copyOf(frame, grown);
        }
    }
}
