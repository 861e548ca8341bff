"""`aripa ingest`: landing files -> checked, pseudonymised rows in the warehouse's `raw` schema."""
