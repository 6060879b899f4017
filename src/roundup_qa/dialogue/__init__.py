"""The conversation around a question: what kind of answer it asks for (kind.py) and how a
follow-up reads against the last turn (follow.py). The pipeline composes both."""
