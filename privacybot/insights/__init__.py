"""What staff learn from the assistant's answers: which questions it could not answer, and how
patients rated the answers (issue 14)."""
