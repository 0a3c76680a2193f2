#!/bin/bash
# Generated for every task, never written by a family: clears stale reward files first, freezes
# what the agent left running, grades offline with tests/check.py against tests/expected.json,
# and writes the one reward file last.
rm -rf /logs/verifier/reward.*
reward=0
if python3 -I -S /tests/check.py; then reward=1; fi
echo "$reward" > /logs/verifier/reward.txt
