"""API: sponsors."""
