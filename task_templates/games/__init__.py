"""Games: driving terminal puzzles and games to a winning state with legal moves."""

APT_PACKAGES = ["bsdextrautils"]
