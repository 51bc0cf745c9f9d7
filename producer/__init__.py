"""The order producer: seeded order events (`orders`) sent to Kafka (`send`); run it with `python -m producer`."""
