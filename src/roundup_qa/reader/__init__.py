"""Stage 4, the reader: question analysis, answer types, candidates, the trained span model
(model, span), the rule-based baseline (choice), abstention and rendering (see README,
"The reader")."""
