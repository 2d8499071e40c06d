"""Measuring verdicts on labelled data: dataset readers, label mappings, metrics (``veritext eval``)."""
