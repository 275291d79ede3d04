"""Business rules per domain; no GraphQL here."""
