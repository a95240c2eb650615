"""The type generators of scripts/generate-types."""
