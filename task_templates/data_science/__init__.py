"""Data science: cleaning, aggregating and querying messy tabular and JSON data."""
