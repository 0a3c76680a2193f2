"""Package layout: one import root, with the top-level `task_templates/` folder mapped into it.

Template families live at the top of the repository where users read and edit them, yet they
import as `litecoder_harbor.task_templates.<domain>.<family>` from a wheel or an editable checkout.
"""

from setuptools import find_packages, setup

TEMPLATES = "litecoder_harbor.task_templates"

setup(
    packages=find_packages(include=["litecoder_harbor", "litecoder_harbor.*"])
    + [TEMPLATES]
    + [f"{TEMPLATES}.{sub}" for sub in find_packages("task_templates")],
    package_dir={"litecoder_harbor": "litecoder_harbor", TEMPLATES: "task_templates"},
)
