"""LiteCoder-Terminal as Harbor extensions: an environment factory for terminal agents."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("litecoder-harbor")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
