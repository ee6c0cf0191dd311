"""Shared rooms: config resolution, errors, run folders, statistics, TF setup, weights, verdicts, console helpers."""
