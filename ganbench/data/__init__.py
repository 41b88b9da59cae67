"""Loaders for the real data sets the built-in dataset plugins wrap (no downloads)."""
