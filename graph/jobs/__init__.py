"""Background jobs as clients see them."""
