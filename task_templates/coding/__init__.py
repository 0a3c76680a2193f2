"""Coding: implementing command-line tools to a spec, fixing failing test suites, debugging C programs."""
