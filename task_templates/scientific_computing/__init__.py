"""Scientific computing: ODEs, integrals, fitting and signal analysis to stated tolerances."""

APT_PACKAGES = ["python3-numpy", "bc"]
