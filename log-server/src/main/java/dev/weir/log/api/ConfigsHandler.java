package dev.weir.log.api;

import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.cluster.TopicImage;
import dev.weir.log.config.BrokerConfig;
import dev.weir.common.config.ConfigException;
import dev.weir.common.config.ConfigKey;
import dev.weir.common.config.ConfigType;
import dev.weir.log.config.TopicConfigs;
import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.protocol.RequestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;

/**
 * DescribeConfigs, AlterConfigs and IncrementalAlterConfigs for topics, and describing the broker.
 * Broker configs are static (set in the config file); changing them at run time is refused.
 */
final class ConfigsHandler {
    static final byte TOPIC = 2;
    static final byte BROKER = 4;

    /** Config sources on the wire. */
    private static final byte SOURCE_TOPIC = 1;
    private static final byte SOURCE_STATIC_BROKER = 4;
    private static final byte SOURCE_DEFAULT = 5;

    /** IncrementalAlterConfigs operations. */
    private static final byte SET = 0;
    private static final byte DELETE = 1;
    private static final byte APPEND = 2;
    private static final byte SUBTRACT = 3;

    private final MetadataStore metadata;
    private final BrokerConfig broker;

    ConfigsHandler(MetadataStore metadata, BrokerConfig broker) {
        this.metadata = metadata;
        this.broker = broker;
    }

    static byte sourceCode(TopicConfigs.Source source) {
        return switch (source) {
            case TOPIC -> SOURCE_TOPIC;
            case BROKER -> SOURCE_STATIC_BROKER;
            case DEFAULT -> SOURCE_DEFAULT;
        };
    }

    DescribeConfigsResponseData describe(RequestContext ctx, DescribeConfigsRequestData request) {
        DescribeConfigsResponseData response = new DescribeConfigsResponseData();
        for (var resource : request.resources()) {
            DescribeConfigsResult result = new DescribeConfigsResult()
                    .setResourceType(resource.resourceType())
                    .setResourceName(resource.resourceName());
            response.results().add(result);
            Set<String> only = resource.configurationKeys() == null ? null : new LinkedHashSet<>(resource.configurationKeys());
            try {
                if (resource.resourceType() == TOPIC) {
                    TopicImage topic = topic(resource.resourceName());
                    Map<String, String> overrides = topic.configs();
                    for (TopicConfigs.Value v : TopicConfigs.effective(overrides, broker)) {
                        if (only != null && !only.contains(v.key().name())) {
                            continue;
                        }
                        DescribeConfigsResourceResult entry = entry(v.key(), v.value(), sourceCode(v.source()),
                                request.includeDocumentation());
                        if (request.includeSynonyms()) {
                            entry.setSynonyms(synonyms(v.key(), overrides));
                        }
                        result.configs().add(entry);
                    }
                } else if (resource.resourceType() == BROKER) {
                    checkBroker(resource.resourceName());
                    broker.describe().forEach((key, value) -> {
                        if (only == null || only.contains(key.name())) {
                            byte source = broker.explicit(key.name()).isPresent() ? SOURCE_STATIC_BROKER : SOURCE_DEFAULT;
                            result.configs().add(entry(key, value, source, request.includeDocumentation()).setReadOnly(true));
                        }
                    });
                } else {
                    throw new InvalidRequestException("resource type " + resource.resourceType()
                            + " is not supported; describe topics (2) or brokers (4)");
                }
            } catch (RuntimeException e) {
                result.setErrorCode(ErrorCode.of(e)).setErrorMessage(ErrorCode.messageOf(e)).setConfigs(new ArrayList<>());
            }
        }
        return response;
    }

    private List<DescribeConfigsSynonym> synonyms(ConfigKey key, Map<String, String> overrides) {
        List<DescribeConfigsSynonym> out = new ArrayList<>();
        if (overrides.containsKey(key.name())) {
            out.add(new DescribeConfigsSynonym().setName(key.name()).setValue(overrides.get(key.name()))
                    .setSource(SOURCE_TOPIC));
        }
        broker.explicit(key.synonym()).ifPresent(v -> out.add(new DescribeConfigsSynonym()
                .setName(key.synonym()).setValue(v).setSource(SOURCE_STATIC_BROKER)));
        out.add(new DescribeConfigsSynonym().setName(key.synonym()).setValue(key.defaultValue())
                .setSource(SOURCE_DEFAULT));
        return out;
    }

    private static DescribeConfigsResourceResult entry(ConfigKey key, String value, byte source, boolean withDocs) {
        return new DescribeConfigsResourceResult()
                .setName(key.name())
                .setValue(value)
                .setReadOnly(false)
                .setIsSensitive(false)
                .setConfigSource(source)
                .setConfigType(wireType(key.type()))
                .setDocumentation(withDocs ? key.documentation() : null);
    }

    AlterConfigsResponseData alter(AlterConfigsRequestData request) {
        AlterConfigsResponseData response = new AlterConfigsResponseData();
        for (var resource : request.resources()) {
            var result = new AlterConfigsResponseData.AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType())
                    .setResourceName(resource.resourceName());
            response.responses().add(result);
            try {
                requireTopic(resource.resourceType(), resource.resourceName());
                Map<String, String> replacement = new HashMap<>();
                resource.configs().forEach(c -> replacement.put(c.name(), c.value()));
                apply(resource.resourceName(), replacement, request.validateOnly());
            } catch (RuntimeException e) {
                result.setErrorCode(ErrorCode.of(e)).setErrorMessage(ErrorCode.messageOf(e));
            }
        }
        return response;
    }

    IncrementalAlterConfigsResponseData incrementalAlter(IncrementalAlterConfigsRequestData request) {
        IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
        for (var resource : request.resources()) {
            var result = new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType())
                    .setResourceName(resource.resourceName());
            response.responses().add(result);
            try {
                requireTopic(resource.resourceType(), resource.resourceName());
                TopicImage topic = topic(resource.resourceName());
                Map<String, String> next = new HashMap<>(topic.configs());
                for (var op : resource.configs()) {
                    applyOperation(next, op.name(), op.configOperation(), op.value(), topic);
                }
                apply(resource.resourceName(), next, request.validateOnly());
            } catch (RuntimeException e) {
                result.setErrorCode(ErrorCode.of(e)).setErrorMessage(ErrorCode.messageOf(e));
            }
        }
        return response;
    }

    private void applyOperation(Map<String, String> configs, String name, byte op, String value, TopicImage topic) {
        ConfigKey key = TopicConfigs.find(name).orElseThrow(() ->
                new InvalidConfigurationException("unknown topic config '" + name + "'"));
        switch (op) {
            case SET -> configs.put(name, value);
            case DELETE -> configs.remove(name);
            case APPEND, SUBTRACT -> {
                if (key.type() != ConfigType.LIST) {
                    throw new InvalidConfigurationException("config '" + name + "' is not a list; APPEND and SUBTRACT "
                            + "work on list configs only");
                }
                String current = TopicConfigs.effective(configs, broker).stream()
                        .filter(v -> v.key().name().equals(name)).findFirst().orElseThrow().value();
                LinkedHashSet<String> items = new LinkedHashSet<>(List.of(current.split("\\s*,\\s*")));
                List<String> changes = value == null ? List.of() : List.of(value.split("\\s*,\\s*"));
                if (op == APPEND) {
                    items.addAll(changes);
                } else {
                    changes.forEach(items::remove);
                }
                configs.put(name, String.join(",", items));
            }
            default -> throw new InvalidRequestException("unknown config operation " + op + " for '" + name
                    + "' of topic '" + topic.name() + "'");
        }
    }

    private void apply(String topicName, Map<String, String> configs, boolean validateOnly) {
        topic(topicName);
        try {
            TopicConfigs.validate(configs);
        } catch (ConfigException e) {
            throw new InvalidConfigurationException(e.getMessage());
        }
        if (!validateOnly) {
            metadata.setTopicConfigs(topicName, configs);
        }
    }

    private void requireTopic(byte resourceType, String name) {
        if (resourceType == BROKER) {
            throw new InvalidRequestException("broker configs are static in Weir: set them in the broker's config "
                    + "file or with --override and restart the broker");
        }
        if (resourceType != TOPIC) {
            throw new InvalidRequestException("resource type " + resourceType + " is not supported; alter topics (2)");
        }
    }

    private TopicImage topic(String name) {
        return metadata.current().topic(name).orElseThrow(() ->
                new UnknownTopicOrPartitionException("topic '" + name + "' does not exist"));
    }

    private void checkBroker(String name) {
        String self = String.valueOf(broker.nodeId());
        if (!name.isEmpty() && !name.equals(self)) {
            throw new InvalidRequestException("this is broker " + self + "; describe broker '" + name + "' on that broker");
        }
    }

    /** DescribeConfigs' config type ids (Kafka's ConfigEntry.ConfigType order). */
    private static byte wireType(ConfigType type) {
        return switch (type) {
            case BOOLEAN -> 1;
            case STRING -> 2;
            case INT -> 3;
            case LONG -> 5;
            case DOUBLE -> 6;
            case LIST -> 7;
        };
    }
}
