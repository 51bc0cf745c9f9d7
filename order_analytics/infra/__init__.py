"""What the analyses run on: the embedded Kafka broker, the local Flink cluster, the SQL-client launcher."""
