"""Scaffold configurations users edit; shipped as package data (`litecoder_harbor.scaffold_configs`)."""
