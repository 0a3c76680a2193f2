"""Harbor adapter for LiteCoder-Terminal: writes the benchmark's tasks as Harbor task dirs."""
