"""Labelled data sets the benchmarks measure against."""
