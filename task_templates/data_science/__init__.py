"""Data science: cleaning, aggregating and querying messy tabular and JSON data."""

APT_PACKAGES = ["sqlite3", "jq"]
