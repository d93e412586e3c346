"""Packages of the wheel: the code, plus the run-time data kept outside bridge/ in the repository.

``mappings/`` stays a top-level folder for people to read, and the demo artefacts stay in ``fixtures/``
beside the other examples; the wheel carries them as the data-only packages ``bridge._mappings`` and
``bridge._demo`` (read with importlib.resources by bridge/resources.py). pyproject.toml cannot add
packages to a ``find`` result, hence this file; everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

DEMO_ARTEFACTS = ("plant-classifier", "monitoring-logs")  # bridge/demo.py ARTEFACTS

setup(
    packages=[*find_packages(include=["bridge", "bridge.*"]), "bridge._mappings", "bridge._demo"],
    package_dir={"bridge._mappings": "mappings", "bridge._demo": "fixtures"},
    package_data={
        "bridge": ["py.typed"],
        "bridge._mappings": ["*.toml"],
        "bridge._demo": [f"{name}/**/*" for name in DEMO_ARTEFACTS],
    },
    include_package_data=False,
)
