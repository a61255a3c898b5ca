"""qbench: benchmark constraint encodings, preprocessing and quantum algorithms on constrained problems."""

__version__ = "0.1.0"
