"""Regularization layers: `Dropout`."""
