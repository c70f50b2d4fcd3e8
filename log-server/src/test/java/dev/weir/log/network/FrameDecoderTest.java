package dev.weir.log.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class FrameDecoderTest {
    private final List<ByteBuffer> frames = new ArrayList<>();
    private final FrameDecoder decoder = new FrameDecoder(1000, frames::add);

    @Test
    void framesSplitAcrossChunksAndSeveralFramesInOneChunk() throws Exception {
        Buffer stream = Buffer.buffer().appendInt(3).appendBytes(new byte[]{1, 2, 3}).appendInt(0).appendInt(2)
                .appendBytes(new byte[]{9, 8});
        for (int i = 0; i < stream.length(); i++) {
            decoder.feed(stream.slice(i, i + 1));
        }
        decoder.feed(stream);
        assertEquals(6, frames.size());
        assertEquals(3, frames.get(0).remaining());
        assertEquals(3, frames.get(0).get(2));
        assertEquals(0, frames.get(1).remaining());
        assertEquals(8, frames.get(2).get(1));
    }

    @Test
    void negativeSizeIsRejected() {
        var e = assertThrows(FrameDecoder.InvalidFrameException.class, () -> decoder.feed(Buffer.buffer().appendInt(-5)));
        assertTrue(e.getMessage().contains("negative"));
    }

    @Test
    void sizeAboveTheMaximumIsRejectedBeforeAnyBodyArrives() {
        var e = assertThrows(FrameDecoder.InvalidFrameException.class,
                () -> decoder.feed(Buffer.buffer().appendInt(Integer.MAX_VALUE)));
        assertTrue(e.getMessage().contains("socket.request.max.bytes"));
        assertTrue(frames.isEmpty());
    }

    @Test
    void largeFrameGrowsAsBytesArrive() throws Exception {
        FrameDecoder big = new FrameDecoder(10_000_000, frames::add);
        byte[] body = new byte[1_000_000];
        body[999_999] = 42;
        big.feed(Buffer.buffer().appendInt(body.length));
        for (int off = 0; off < body.length; off += 65_000) {
            big.feed(Buffer.buffer().appendBytes(body, off, Math.min(65_000, body.length - off)));
        }
        assertEquals(1, frames.size());
        assertEquals(42, frames.get(0).get(999_999));
    }
}
