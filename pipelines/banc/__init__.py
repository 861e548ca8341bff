"""`aripa bench`: how fast, how big, against what (README, "Benchmark")."""
