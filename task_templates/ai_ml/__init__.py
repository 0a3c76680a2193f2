"""AI/ML: training small models to an accuracy bar, fixing training code, evaluating and splitting datasets."""
