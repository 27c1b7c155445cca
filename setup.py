"""The package list (everything else is in setup.cfg).

The folders ``service/`` and ``embeddings/`` install under the import names ``textcnn_service``
and ``textcnn_embeddings``: top-level names as generic as ``service`` collide with other
distributions' packages in a shared environment.
"""

from setuptools import find_packages, setup

RENAMED = {"textcnn_service": "service", "textcnn_embeddings": "embeddings"}

packages = find_packages(include=["textcnn", "textcnn.*"])
for name, folder in RENAMED.items():
    packages += [name + found[len(folder):] for found in find_packages(include=[folder, folder + ".*"])]

setup(packages=packages, package_dir=RENAMED)
