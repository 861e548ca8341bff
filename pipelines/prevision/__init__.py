"""`aripa forecast`: 12-month forecasts per Caf pivot, back-tested, written to schema `prevision`."""
