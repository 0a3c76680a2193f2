"""The LLM backend's synthesis pipeline, one module per stage, each a function of the slots and
the results of the stages before it (`sampling`: task requests drawn and judged per slot)."""
