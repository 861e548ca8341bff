"""Reference data (départements, Cafs) derived from public sources into dbt seeds."""
