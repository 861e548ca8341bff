"""Validation of the extracts with Great Expectations suites (stored in `expectations/`)."""
