"""The analysis: goals, comparisons of two phases, and the leave-one-out ranking."""
