"""The trained extractive reader: span and "no answer" from one model (see README, "The reader")."""
