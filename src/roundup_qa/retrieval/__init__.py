"""Stage 2, retrieval: one tokenizer, the English bridge, BM25 (lexical), the packaged
encoder (packaged, embedder), FAISS (dense) and fusion. Nothing here knows about answers."""
