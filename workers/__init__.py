"""Dramatiq broker, middleware, actors per domain and periodic jobs."""
