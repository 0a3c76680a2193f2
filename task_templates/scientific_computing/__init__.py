"""Scientific computing: ODEs, integrals, fitting and signal analysis to stated tolerances."""
