"""The names data the makemore-style scripts beside this file share (not a script itself: the test runs only the
files without a leading underscore): names.txt shuffled by a seeded numpy generator, makemore's character
vocabulary ('.' = 0 marks a name's start and end), and its context-window dataset."""
import os

import numpy as np


def load(seed, limit=None):
    """-> (words, stoi, itos, rng): the words in a seeded order (the first `limit` of them), and the generator,
    which the script goes on drawing weights and batches from."""
    data_dir = os.environ.get("TEENYGRAD_DATA", "/work/shared/data")
    words = open(os.path.join(data_dir, "names.txt")).read().splitlines()
    chars = sorted(set("".join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    rng = np.random.default_rng(seed)
    words = [words[i] for i in rng.permutation(len(words))][:limit]
    return words, stoi, itos, rng


def build_dataset(torch, words, stoi, block_size):
    """Every (previous block_size characters -> next character) pair of the words, as two int64 tensors."""
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X), torch.tensor(Y)
