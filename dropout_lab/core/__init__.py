"""Shared rooms: config, errors, run folders, statistics, TF setup, weights, verdicts, console."""
