"""Networking (loopback only): reverse proxies, line protocols over TCP, subnet arithmetic, local HTTP APIs."""
