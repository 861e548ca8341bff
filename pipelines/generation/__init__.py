"""Demo extracts: a synthetic network that looks like ARIPA's, deterministic for a seed."""
