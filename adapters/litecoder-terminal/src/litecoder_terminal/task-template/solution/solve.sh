#!/bin/bash
# The family's reference solution (what Harbor's oracle runs); it must score 1.
set -euo pipefail
