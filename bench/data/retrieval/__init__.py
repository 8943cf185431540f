"""The retrieval labelled set: threads, reworded questions, unanswerable questions and the distractor generator."""
