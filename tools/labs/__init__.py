"""The graded labs: build the student releases and grade submissions (see README)."""
