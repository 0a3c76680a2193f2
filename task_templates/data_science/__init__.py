"""Data science: cleaning, aggregating and querying messy tabular data."""
