"""``make bench``: speed and accuracy figures, outside the package (``python -m bench``)."""
