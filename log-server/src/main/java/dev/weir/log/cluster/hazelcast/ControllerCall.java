package dev.weir.log.cluster.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serializable;
import java.util.concurrent.Callable;
import org.apache.kafka.common.errors.NotControllerException;

/**
 * Carries a {@link ControllerCommand} to the controller broker through Hazelcast's executor service
 * and runs it there. A broker that is not (or no longer) the controller answers
 * {@link NotControllerException}, and the caller looks for the controller again.
 */
final class ControllerCall implements Callable<ControllerCommand.Outcome>, Serializable, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;

    private final ControllerCommand command;
    private transient HazelcastInstance instance;

    ControllerCall(ControllerCommand command) {
        this.command = command;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.instance = instance;
    }

    @Override
    public ControllerCommand.Outcome call() {
        Object controller = instance.getUserContext().get(Controller.CONTEXT_KEY);
        if (!(controller instanceof Controller c)) {
            throw new NotControllerException("this broker is starting or stopping");
        }
        return c.execute(command);
    }
}
