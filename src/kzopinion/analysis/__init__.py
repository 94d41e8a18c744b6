"""The shared analysis every chapter builds on.

- :mod:`kzopinion.analysis.survey`: weighted shares, design effects and intervals;
- :mod:`kzopinion.analysis.models`: regressions (OLS, linear probability, ordered logit);
- :mod:`kzopinion.analysis.charts`: the book's Altair charts;
- :mod:`kzopinion.analysis.focus_groups`: the focus-group codes and counts.

The analysis of one chapter lives in :mod:`kzopinion.chapters`, one module per notebook.
"""
