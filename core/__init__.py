"""Settings, logging, error types, ids, the Redis client, the event bus and the unit of work."""
