package dev.weir.log.network;

import dev.weir.log.protocol.RequestProcessor;
import dev.weir.log.protocol.RequestProcessor.Close;
import dev.weir.log.protocol.RequestProcessor.NoResponse;
import dev.weir.log.protocol.RequestProcessor.Outcome;
import dev.weir.log.protocol.RequestProcessor.Respond;
import dev.weir.log.protocol.ResponseFrame;
import io.netty.buffer.Unpooled;
import io.vertx.core.Context;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection. Requests are handled one at a time, in arrival order, like Kafka's muted
 * channels: this keeps responses in request order and lets an idempotent producer's pipelined
 * batches reach the log in sequence. Frames that arrive meanwhile wait in a small queue; when it
 * fills, reading pauses (TCP back-pressure) until the queue drains.
 *
 * <p>Thread-safety: all fields are confined to the connection's event loop. Request processing runs
 * on the request-handler pool and comes back to the event loop to write.
 */
final class KafkaConnection {
    private static final Logger log = LoggerFactory.getLogger(KafkaConnection.class);
    private static final int MAX_QUEUED_REQUESTS = 16;

    private final NetSocketInternal socket;
    private final Context context;
    private final RequestProcessor processor;
    private final Executor handlerPool;
    private final String remote;
    private final FrameDecoder decoder;
    private final ArrayDeque<ByteBuffer> queued = new ArrayDeque<>();
    private boolean busy;
    private boolean paused;
    /** The peer went away or we closed: nothing more is written. */
    private boolean closed;
    /** A protocol violation: requests still queued are dropped. */
    private boolean rejected;

    KafkaConnection(NetSocket socket, Context context, RequestProcessor processor, Executor handlerPool,
                    int maxFrameBytes) {
        this.socket = (NetSocketInternal) socket;
        this.context = context;
        this.processor = processor;
        this.handlerPool = handlerPool;
        this.remote = String.valueOf(socket.remoteAddress());
        this.decoder = new FrameDecoder(maxFrameBytes, this::onFrame);
    }

    void start() {
        socket.handler(chunk -> {
            try {
                decoder.feed(chunk);
            } catch (FrameDecoder.InvalidFrameException e) {
                close(e.getMessage());
            }
        });
        // Requests fully received before the peer closed are still processed (an acks=0 producer
        // closes right after writing); only their responses are dropped.
        socket.closeHandler(v -> closed = true);
        socket.exceptionHandler(e -> log.debug("connection {} failed: {}", remote, e.toString()));
        socket.drainHandler(v -> maybeResume());
    }

    private void onFrame(ByteBuffer frame) {
        if (rejected) {
            return;
        }
        queued.add(frame);
        if (queued.size() >= MAX_QUEUED_REQUESTS && !paused) {
            paused = true;
            socket.pause();
        }
        processNext();
    }

    private void processNext() {
        if (busy || rejected || queued.isEmpty()) {
            return;
        }
        busy = true;
        ByteBuffer frame = queued.poll();
        handlerPool.execute(() -> processor.process(frame, remote)
                .whenComplete((outcome, error) -> context.runOnContext(v -> complete(outcome, error))));
    }

    private void complete(Outcome outcome, Throwable error) {
        busy = false;
        if (closed) {
            processNext();
            return;
        }
        if (error != null) {
            log.error("request from {} failed unexpectedly; closing the connection", remote, error);
            close("internal error");
            return;
        }
        if (outcome instanceof Respond respond) {
            write(respond.frame());
        } else if (outcome instanceof Close close) {
            close(close.reason());
            return;
        } else if (!(outcome instanceof NoResponse)) {
            throw new IllegalStateException("unknown outcome " + outcome);
        }
        maybeResume();
        processNext();
    }

    private void write(ResponseFrame frame) {
        for (ResponseFrame.Part part : frame.parts()) {
            if (part instanceof ResponseFrame.HeapPart heap) {
                socket.write(BufferInternal.buffer(Unpooled.wrappedBuffer(heap.bytes())));
            } else if (part instanceof ResponseFrame.FilePart file) {
                socket.writeMessage(new SliceFileRegion(file.slice()));
            }
        }
    }

    private void maybeResume() {
        if (paused && queued.size() < MAX_QUEUED_REQUESTS / 2 && !socket.writeQueueFull()) {
            paused = false;
            socket.resume();
        }
    }

    private void close(String reason) {
        rejected = true;
        if (!closed) {
            closed = true;
            log.info("closing connection from {}: {}", remote, reason);
            queued.clear();
            socket.close();
        }
    }
}
