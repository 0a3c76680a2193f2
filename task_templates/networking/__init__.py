"""Networking (loopback only): reverse proxies, line protocols over TCP, subnet arithmetic, local HTTP APIs."""

APT_PACKAGES = ["nginx", "curl", "iproute2", "netcat-openbsd", "procps"]
