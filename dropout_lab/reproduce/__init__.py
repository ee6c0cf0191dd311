"""reproduce: every claim settled by one command, into one report."""
