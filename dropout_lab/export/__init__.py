"""``export``: does dropout stay off after a model leaves its framework? Measured per route."""
