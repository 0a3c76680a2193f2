"""The LLM synthesis pipeline (`litecoder gen --backend llm`): stages, their replies, their state."""
