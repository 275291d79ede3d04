"""Social: friends (study groups and challenges are not offered yet)."""
