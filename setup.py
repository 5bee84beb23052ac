"""regzoo: registered representations of medical images and their genetic signal."""
from setuptools import find_packages, setup

CORE = [
    "numpy>=1.26",
    "h5py>=3.10,<3.15",
    "zarr>=3.0",
    "numcodecs>=0.13",
    "numba>=0.60",
    "pandas>=2.0",
    "scipy>=1.11",
    "scikit-learn>=1.4",
    "bed-reader>=1.0",
    "matplotlib>=3.8",
    "tqdm>=4.66",
    "pyyaml>=6.0",
    "pooch>=1.8",
    # the packages' public names load on first use (stubs in each __init__.pyi)
    "lazy_loader>=0.4",
    "threadpoolctl>=3.1",
    "keras>=3.5",
    "opencv-python-headless>=4.8",
    # its wheel ships the MNI152 (ICBM 2009a) templates the brain phantom is built from
    "nilearn>=0.10",
    "nibabel>=5.0",
]

EXTRAS = {
    # Keras needs a backend; pick the TensorFlow build that fits the machine.
    "cpu": ["tensorflow-cpu>=2.16"],
    "gpu": ["tensorflow[and-cuda]>=2.16"],
    "dask": ["dask[distributed]>=2024.1", "xarray>=2024.1"],
    # pyarrow reads and writes the tables; orjson writes their floats' text 2-3x faster
    # than Arrow's cast, byte for byte where both are used (zoo.evaluate.arrowcols)
    "parquet": ["pyarrow>=14", "orjson>=3.9"],
    "test": [
        "pytest>=8",
        "pytest-benchmark>=4",
        # the reference the PheWAS and MANOVA tests check against
        "statsmodels>=0.14",
        "dask[distributed]>=2024.1",
        "xarray>=2024.1",
        "pyarrow>=14",
        "orjson>=3.9",
    ],
}

setup(
    name="regzoo",
    version="0.1.0",
    description="Registered representations of medical images and the genetic signal in them",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=find_packages(include=["fastio", "fastio.*", "zoo", "zoo.*"]),
    include_package_data=True,
    # the stubs (__init__.pyi, py.typed) carry the public names; presets/files/ holds what
    # `zoo presets publish` bundles into the package
    package_data={"": ["py.typed", "*.pyi"], "zoo": ["presets/registry.json", "presets/files/*/*"]},
    install_requires=CORE,
    extras_require=EXTRAS,
    entry_points={
        "console_scripts": [
            "fastio=fastio.cli:main",
            "zoo=zoo.cli:main",
        ]
    },
    license="Apache-2.0",
)
