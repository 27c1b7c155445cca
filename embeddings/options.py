"""Option values shared by the library and its command line (kept free of heavy imports, so
that registering the CLI does not load gensim)."""

ALGORITHMS = ("word2vec", "fasttext")
OOV_INITS = ("uniform", "zeros")
