"""Template families, one module per family under a folder per domain (see README.md)."""
