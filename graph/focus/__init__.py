"""Focus sessions and blocked sites."""
