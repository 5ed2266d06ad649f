"""Data sets, a download cache, a character tokenizer and batching, all as plain numpy arrays
(int64 token ids, float32 features). This package never imports Tensor: the models wrap the arrays.

    from teenygrad.data import names, CharTokenizer, build_windows
    splits = names()                                    # {'train', 'val', 'test'}: lists of words
    tok = CharTokenizer.from_words(splits['train'] + splits['val'] + splits['test'])
    X, Y = build_windows(splits['train'], tok, block_size=3)
"""
from .batching import Vocabulary, build_windows, random_batch, words_of
from .datasets import (names, read_labelled, read_text, sentiment, shakespeare, split_text, text_file,
                       xor)
from .fetch import REGISTRY, cache_dir, locate, sha256_file
from .tokenizer import CharTokenizer

__all__ = ["CharTokenizer", "REGISTRY", "Vocabulary", "build_windows", "cache_dir", "locate", "names",
           "random_batch", "read_labelled", "read_text", "sentiment", "sha256_file", "shakespeare",
           "split_text", "text_file", "words_of", "xor"]
