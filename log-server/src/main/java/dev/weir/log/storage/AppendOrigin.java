package dev.weir.log.storage;

/** Who appends to a partition as its leader; decides whether control batches are accepted. */
public enum AppendOrigin {
    /** A producer: control batches are refused (INVALID_RECORD), as Kafka does. */
    CLIENT,
    /** The broker itself writing transaction markers for a transaction coordinator (WriteTxnMarkers). */
    COORDINATOR
}
