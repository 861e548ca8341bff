"""Evaluation of the GIPA experiment against control groups (seed 001, art. 7.B)."""
