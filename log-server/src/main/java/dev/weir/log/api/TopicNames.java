package dev.weir.log.api;

import org.apache.kafka.common.errors.InvalidTopicException;

/** Kafka's topic-name rules: 1–249 characters of {@code [a-zA-Z0-9._-]}, and not "." or "..". */
public final class TopicNames {
    public static final int MAX_LENGTH = 249;

    private TopicNames() {}

    /** @throws InvalidTopicException saying what is wrong and what is allowed */
    public static void validate(String name) {
        if (name == null || name.isEmpty()) {
            throw new InvalidTopicException("topic name is empty: use 1 to " + MAX_LENGTH
                    + " letters, digits, '.', '_' or '-'");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new InvalidTopicException("topic name '" + name + "' is not allowed: '.' and '..' are reserved");
        }
        if (name.length() > MAX_LENGTH) {
            throw new InvalidTopicException("topic name of " + name.length() + " characters is too long: use at most "
                    + MAX_LENGTH);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                throw new InvalidTopicException("topic name '" + name + "' has an invalid character '" + c
                        + "': use letters, digits, '.', '_' or '-'");
            }
        }
    }

    public static boolean isValid(String name) {
        try {
            validate(name);
            return true;
        } catch (InvalidTopicException e) {
            return false;
        }
    }

    /** '.' and '_' collide in metric names, so Kafka refuses topics that differ only there. */
    public static String collisionKey(String name) {
        return name.replace('.', '_');
    }
}
