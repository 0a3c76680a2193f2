"""Build tools: repairing Makefiles and CMake projects, compiling and linking libraries, packaging Python wheels."""

APT_PACKAGES = [
    "make",
    "gcc",
    "libc6-dev",
    "cmake",
    "binutils",
    "file",
    "python3-setuptools",
    "python3-wheel",
    "python3-pip",
]
