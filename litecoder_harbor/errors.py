"""One exception type for bad input: the CLI prints it as a single line and exits non-zero."""

from __future__ import annotations


class LitecoderError(Exception):
    """A user-facing error: what is wrong (naming the file and field) and how to fix it."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} ({hint})")


class Interrupted(LitecoderError):
    """Ctrl-C or SIGTERM ended a run after its clean-up; the exit code is the shell's for the
    signal (130 for SIGINT, 143 for SIGTERM)."""

    def __init__(self, signum: int, hint: str = "rerun the same command to resume"):
        self.signum = signum
        self.exit_code = 128 + signum
        super().__init__("interrupted", hint=hint)
