"""Build tools: repairing Makefiles and CMake projects, compiling and linking libraries, packaging Python wheels."""
