/**
 * Avro serde for Kafka clients (producers, consumers, Streams, Connect) backed by a schema registry that
 * speaks the Confluent Schema Registry REST API, such as Weir's.
 *
 * <h2>Wire format</h2>
 * Every serialized non-null value is the Confluent wire format (see {@link dev.weir.registry.serde.WireFormat}):
 * <pre>
 *   byte 0      magic byte, always 0
 *   bytes 1-4   schema id, 32-bit big-endian, as assigned by the registry
 *   bytes 5-    the datum in Avro binary encoding, written with the schema of that id
 * </pre>
 * so data written by Confluent's {@code KafkaAvroSerializer} can be read here and vice versa.
 *
 * <h2>Entry points</h2>
 * <ul>
 *   <li>{@link dev.weir.registry.serde.WeirAvroSerializer} and {@link dev.weir.registry.serde.WeirAvroDeserializer}:
 *       the {@code Serializer}/{@code Deserializer} to name in client configs, configured with Confluent's
 *       property names ({@link dev.weir.registry.serde.AvroSerdeConfig}).</li>
 *   <li>{@link dev.weir.registry.serde.SchemaRegistryClient}: the caching REST client both use.</li>
 *   <li>{@link dev.weir.registry.serde.SubjectNameStrategy} and its three implementations.</li>
 * </ul>
 *
 * <h2>Thread-safety</h2>
 * A {@code KafkaProducer} may be called from many application threads at once and calls its serializers on
 * the calling thread, so the serializer, the deserializer and the client are all safe for concurrent use
 * once configured: their caches are concurrent maps and Avro's datum writers and readers are shared only
 * after construction, when they are immutable.
 */
package dev.weir.registry.serde;
