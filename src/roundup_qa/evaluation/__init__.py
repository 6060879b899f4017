"""Evaluation: eval sets and their metrics (evaluate), the full report (report) and the
speed and memory benchmark (bench). It sits above the pipeline it measures."""
