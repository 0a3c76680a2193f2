"""Package layout: one import root, with the top-level `task_templates/` and `scaffolds/` folders
mapped into it.

Template families live at the top of the repository where users read and edit them, yet they
import as `litecoder_harbor.task_templates.<domain>.<family>` from a wheel or an editable
checkout. Asset folders are namespace packages so every file in them ships as package data.
"""

from setuptools import find_namespace_packages, find_packages, setup

TEMPLATES = "litecoder_harbor.task_templates"
SCAFFOLD_CONFIGS = "litecoder_harbor.scaffold_configs"
NOT_CODE = ["*__pycache__*"]

setup(
    packages=find_packages(include=["litecoder_harbor", "litecoder_harbor.*"])
    + [TEMPLATES, SCAFFOLD_CONFIGS]
    + [f"{TEMPLATES}.{sub}" for sub in find_namespace_packages("task_templates", exclude=NOT_CODE)],
    package_dir={
        "litecoder_harbor": "litecoder_harbor",
        TEMPLATES: "task_templates",
        SCAFFOLD_CONFIGS: "scaffolds",
    },
    package_data={"": ["*"]},
    exclude_package_data={"": ["*.pyc"]},
)
