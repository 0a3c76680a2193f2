"""AI/ML: training small models to an accuracy bar, fixing training code, evaluating and splitting datasets."""

APT_PACKAGES = ["python3-numpy", "jq", "bc", "patch", "file"]
