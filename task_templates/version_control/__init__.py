"""Version control with git: merge conflicts, bisecting regressions, scrubbing secrets from history, backports."""
