package dev.weir.streams;

/** A task: one sub-topology over one partition number of its source topics. Printed as {@code 1_3}. */
public record TaskId(int subTopology, int partition) implements Comparable<TaskId> {
    public static TaskId parse(String s) {
        int i = s.indexOf('_');
        return new TaskId(Integer.parseInt(s.substring(0, i)), Integer.parseInt(s.substring(i + 1)));
    }

    @Override
    public int compareTo(TaskId o) {
        int c = Integer.compare(subTopology, o.subTopology);
        return c != 0 ? c : Integer.compare(partition, o.partition);
    }

    @Override
    public String toString() {
        return subTopology + "_" + partition;
    }
}
