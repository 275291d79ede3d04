"""The service describing itself."""
