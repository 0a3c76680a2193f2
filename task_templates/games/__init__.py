"""Games: driving terminal puzzles and games to a winning state with legal moves."""
