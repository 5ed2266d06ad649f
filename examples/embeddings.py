"""What the MLP learned about characters: its embedding table C (v, e) drawn as a 2-D scatter (the table
itself when e = 2, as in makemore part 2, else its first two principal components), and each character's
nearest neighbours by cosine similarity in the full e-dimensional space.

    teenygrad train mlp --n-embd 2 --max-iters 30000 --out-dir out/mlp-e2     # or any mlp/cnn/gpt run
    python examples/embeddings.py --out-dir out/mlp-e2 --png out/mlp-e2/embeddings.png

Vowels end up together, apart from the consonants, and '.' (start/end of a name) sits alone.
"""
import argparse
import sys

import numpy as np

from teenygrad.train import TrainError, load_checkpoint, tokenizer_from_dict

TABLES = ("wte.weight", "net.0.weight")      # mlp/gpt/bert/rnn, cnn


def embedding_table(ckpt):
    tokenizer = ckpt.get("tokenizer")
    if isinstance(tokenizer, dict) and tokenizer.get("type") == "char":  # xor's net.0 is a Linear layer, not a table
        for key in TABLES:
            if key in ckpt["model_state"]:
                return ckpt["model_state"][key].numpy().astype(np.float64)
    raise TrainError(f"a {ckpt['model']} checkpoint has no character embedding table ({' or '.join(TABLES)} of a "
                     f"character-level model: mlp, cnn, rnn, gru, lstm, gpt or bert)")


def to_2d(table):
    """(v, e) -> (v, 2): the table itself if e == 2, else its projection on the top two principal axes."""
    if table.shape[1] == 2:
        return table, "embedding dims 0 and 1"
    centred = table - table.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    explained = (s[:2] ** 2).sum() / (s ** 2).sum()
    return centred @ vt[:2].T, f"PCA of {table.shape[1]}-d embeddings ({100 * explained:.0f}% of variance)"


def nearest_neighbours(table, chars, k=3):
    unit = table / np.linalg.norm(table, axis=1, keepdims=True).clip(1e-12)
    cos = unit @ unit.T                                           # (v, v)
    np.fill_diagonal(cos, -np.inf)
    order = np.argsort(-cos, axis=1)[:, :k]
    return {chars[i]: [(chars[j], float(cos[i, j])) for j in order[i]] for i in range(len(chars))}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", required=True, help="a training run's folder (holding best.ckpt)")
    ap.add_argument("--png", help="where to draw the scatter (default OUT_DIR/embeddings.png)")
    ap.add_argument("-k", type=int, default=3, help="neighbours per character")
    args = ap.parse_args(argv)
    try:
        ckpt = load_checkpoint(args.out_dir)
        table = embedding_table(ckpt)
        chars = list(tokenizer_from_dict(ckpt["tokenizer"]).itos)
    except TrainError as e:
        print(f"embeddings: error: {e}", file=sys.stderr)
        return 2
    chars += ["[MASK]"] * (len(table) - len(chars))               # bert's extra row
    labels = [repr(c)[1:-1] for c in chars]                      # '\n' shows as \n
    print(f"{ckpt['model']} embedding table {table.shape}; nearest neighbours by cosine:")
    for c, near in nearest_neighbours(table, labels, args.k).items():
        print(f"  {c:>6s}: " + "  ".join(f"{n} {s:+.2f}" for n, s in near))
    xy, how = to_2d(table)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("embeddings: matplotlib is not installed, skipping the PNG (pip install matplotlib)")
        return 0
    fig, ax = plt.subplots(figsize=(7, 7))
    ax.scatter(xy[:, 0], xy[:, 1], s=220, c="#cde")
    for (x, y), label in zip(xy, labels):
        ax.text(x, y, label, ha="center", va="center", fontsize=10)
    ax.set_title(f"{ckpt['model']} character embeddings: {how}")
    ax.grid(alpha=0.3)
    png = args.png or f"{args.out_dir}/embeddings.png"
    fig.savefig(png, dpi=100, bbox_inches="tight")
    print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
