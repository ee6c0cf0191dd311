"""Run folders already made: an index of them, and any one shown again from its results.json."""
