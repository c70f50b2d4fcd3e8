package dev.weir.streams.internal;

import dev.weir.streams.TaskId;
import dev.weir.streams.processor.Cancellable;
import dev.weir.streams.processor.Processor;
import dev.weir.streams.processor.ProcessorContext;
import dev.weir.streams.processor.PunctuationType;
import dev.weir.streams.processor.Punctuator;
import dev.weir.streams.processor.Record;
import dev.weir.streams.state.KeyValueStore;
import java.time.Duration;

/** Runs a user {@link Processor} as a node of a task. */
public final class ProcessorAdapter<KIn, VIn, KOut, VOut> implements NodeProcessor {
    private final Processor<KIn, VIn, KOut, VOut> processor;

    public ProcessorAdapter(Processor<KIn, VIn, KOut, VOut> processor) {
        if (processor == null) {
            throw new IllegalStateException("a processor supplier returned null");
        }
        this.processor = processor;
    }

    @Override
    public void init(NodeContext ctx) {
        processor.init(new ProcessorContext<>() {
            @Override
            public void forward(Record<? extends KOut, ? extends VOut> r) {
                ctx.forward(new Rec(r.key(), r.value(), r.timestamp()));
            }

            @Override
            public void forward(Record<? extends KOut, ? extends VOut> r, String childName) {
                ctx.forward(new Rec(r.key(), r.value(), r.timestamp()), childName);
            }

            @Override
            public <K, V> KeyValueStore<K, V> getStateStore(String name) {
                return ctx.store(name);
            }

            @Override
            public Cancellable schedule(Duration interval, PunctuationType type, Punctuator punctuator) {
                return ctx.schedule(interval.toMillis(), type, punctuator);
            }

            @Override
            public String applicationId() {
                return ctx.applicationId();
            }

            @Override
            public TaskId taskId() {
                return ctx.taskId();
            }

            @Override
            public long currentStreamTimeMs() {
                return ctx.streamTime();
            }

            @Override
            public long currentSystemTimeMs() {
                return ctx.wallClockTime();
            }

            @Override
            public RecordMetadata recordMetadata() {
                return ctx.topic() == null ? null : new RecordMetadata(ctx.topic(), ctx.partition(), ctx.offset());
            }
        });
    }

    @Override
    @SuppressWarnings("unchecked")
    public void process(Rec r, NodeContext ctx) {
        processor.process(new Record<>((KIn) r.key(), (VIn) r.value(), r.timestamp()));
    }

    @Override
    public void close() {
        processor.close();
    }
}
