"""Accounts, sessions, profiles and preferences."""
