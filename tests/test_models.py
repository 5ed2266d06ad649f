"""The book's models: output shapes, a few optimizer steps that lower the loss, GPT's KV-cached sampling
against full recomputation, BERT's masking, and the hyper-parameter checks. Tiny configs, no data files."""
import numpy as np
import pytest

import teenygrad
import teenygrad.nn.functional as F
from teenygrad.models import REGISTRY, build_model
from teenygrad.models.bert import BERT
from teenygrad.models.gpt import GPT

V = 11           # vocabulary of the toy sequences
B, T = 4, 8      # batch, sequence length

WINDOW = {"bigram": dict(block_size=1), "mlp": dict(block_size=3, n_embd=5, n_hidden=16),
          "cnn": dict(block_size=8, n_embd=6, n_hidden=16)}
SEQUENCE = {"rnn": dict(cell="rnn", n_embd=8, n_hidden=16, block_size=T),
            "gru": dict(cell="gru", n_embd=8, n_hidden=16, block_size=T),
            "lstm": dict(cell="lstm", n_embd=8, n_hidden=16, block_size=T),
            "gpt": dict(block_size=T, n_layer=2, n_head=2, n_embd=16, dropout=0.0),
            "bert": dict(block_size=T, n_layer=2, n_head=2, n_embd=16, dropout=0.0)}


def _ids(shape, seed=0, high=V):
    return np.random.default_rng(seed).integers(0, high, size=shape).astype(np.int64)


def _fit(model, inputs, targets, steps=25, lr=1e-2, ignore_index=-100):
    """Adam on one fixed batch; returns (first loss, last loss)."""
    opt = teenygrad.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    x, y = teenygrad.tensor(inputs), teenygrad.tensor(targets)
    losses = []
    for _ in range(steps):
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=ignore_index)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses[0], losses[-1]


def test_registry_lists_every_model_of_the_issue():
    assert {"bigram", "mlp", "cnn", "rnn", "gru", "lstm", "bert", "gpt", "xor", "sentiment", "logreg"} <= set(REGISTRY)


@pytest.mark.parametrize("name", list(WINDOW))
def test_window_models_shape_and_learning(name):
    teenygrad.manual_seed(0)
    hp = WINDOW[name]
    model = build_model(name, vocab_size=V, **hp)
    x = _ids((32, hp["block_size"]))
    assert model(teenygrad.tensor(x)).shape == (32, V)
    y = (x[:, -1] + 1) % V                                     # learnable: the next id follows the last one
    first, last = _fit(model, x, y, lr=0.05)
    assert last < 0.5 * first, (first, last)


@pytest.mark.parametrize("name", list(SEQUENCE))
def test_sequence_models_shape_and_learning(name):
    teenygrad.manual_seed(0)
    model = build_model(name, vocab_size=V, **SEQUENCE[name])
    x = _ids((B, T))
    assert model(teenygrad.tensor(x)).shape == (B, T, V)
    if name == "bert":
        inputs, targets = model.mask_tokens(x, np.random.default_rng(0))
        first, last = _fit(model, inputs, targets, ignore_index=-1)
    else:
        first, last = _fit(model, x, np.roll(x, -1, axis=1))   # memorise a fixed batch
    assert last < 0.7 * first, (first, last)


@pytest.mark.parametrize("name,hp,n_in", [("xor", dict(n_hidden=8), 2), ("sentiment", dict(n_hidden=8, dropout=0.0), 20),
                                          ("logreg", {}, 20)])
def test_classifiers_shape_and_learning(name, hp, n_in):
    teenygrad.manual_seed(0)
    model = build_model(name, n_features=n_in, **hp)
    x = np.random.default_rng(1).random((16, n_in)).astype(np.float32)
    y = (x[:, 0] > x[:, 1]).astype(np.int64)
    assert model(teenygrad.tensor(x)).shape == (16, 2)
    first, last = _fit(model, x, y, steps=60, lr=0.05)
    assert last < 0.7 * first, (first, last)


def test_wavenet_is_a_tree_over_the_context():
    model = build_model("cnn", vocab_size=V, block_size=8, n_embd=4, n_hidden=8)
    linears = [m for m in model.modules() if isinstance(m, teenygrad.nn.Linear)]
    assert [tuple(m.weight.shape) for m in linears] == [(8, 8), (8, 16), (8, 16), (V, 8)]   # 8 -> 4 -> 2 -> 1


def _tiny_gpt(block_size=8, dropout=0.0):
    teenygrad.manual_seed(3)
    model = GPT(V, block_size=block_size, n_layer=2, n_head=2, n_embd=16, dropout=dropout, bias=True)
    model.eval()
    return model


def test_gpt_weight_tying_and_parameter_count():
    model = _tiny_gpt()
    assert model.lm_head.weight is model.wte.weight
    unique = {id(p): p for p in model.parameters()}
    assert len(unique) == len(list(model.parameters()))       # the tied matrix is one parameter
    assert model.num_params(non_embedding=False) == sum(p.numel() for p in unique.values())


def test_gpt_kv_cache_logits_match_full_forward():
    model = _tiny_gpt()
    idx = _ids((2, 8), seed=5)
    full = model(teenygrad.tensor(idx)).numpy()                # (b, t, v)
    caches = [{} for _ in model.h]
    step = [model(teenygrad.tensor(idx[:, :3]), caches).numpy()]           # prefill 3 positions
    step += [model(teenygrad.tensor(idx[:, i:i + 1]), caches).numpy() for i in range(3, 8)]
    np.testing.assert_allclose(np.concatenate(step, axis=1), full, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="block_size"):
        model(teenygrad.tensor(idx[:, :1]), caches)           # a 9th position does not fit


@pytest.mark.parametrize("temperature,top_k", [(1.0, None), (0.7, 3), (1.5, 1)])
def test_gpt_generate_with_cache_equals_recomputation(temperature, top_k):
    model = _tiny_gpt(block_size=8)
    prompt = teenygrad.tensor(_ids((3, 2), seed=1))
    runs = []
    for use_cache in (True, False):                            # 20 new tokens: the window slides past block_size
        gen = teenygrad.Generator().manual_seed(123)
        runs.append(model.generate(prompt, 20, temperature=temperature, top_k=top_k, generator=gen,
                                   use_cache=use_cache).numpy())
    assert runs[0].shape == (3, 22)
    np.testing.assert_array_equal(runs[0], runs[1])
    np.testing.assert_array_equal(runs[0][:, :2], prompt.numpy())


def test_gpt_generate_top_k_1_is_greedy():
    model = _tiny_gpt()
    idx = teenygrad.tensor(_ids((2, 3), seed=2))
    out = model.generate(idx, 1, top_k=1, generator=teenygrad.Generator().manual_seed(0)).numpy()
    np.testing.assert_array_equal(out[:, -1], model(idx).numpy()[:, -1].argmax(-1))


def test_gpt_dropout_only_in_training():
    model = _tiny_gpt(dropout=0.5)
    idx = teenygrad.tensor(_ids((2, 8)))
    np.testing.assert_array_equal(model(idx).numpy(), model(idx).numpy())   # eval: deterministic
    model.train()
    assert not np.allclose(model(idx).numpy(), model(idx).numpy())


def test_bert_masking_follows_the_recipe():
    teenygrad.manual_seed(0)
    model = BERT(V, block_size=64, n_layer=1, n_head=1, n_embd=8)
    x = _ids((200, 64), seed=4)
    can = np.ones_like(x, dtype=bool)
    can[:, :4] = False                                         # e.g. padding: never chosen
    inputs, targets = model.mask_tokens(x, np.random.default_rng(0), can)
    chosen = targets != -1
    assert not chosen[:, :4].any() and chosen.any(axis=1).all()
    assert abs(chosen[:, 4:].mean() - 0.15) < 0.02
    np.testing.assert_array_equal(targets[chosen], x[chosen])
    np.testing.assert_array_equal(inputs[~chosen], x[~chosen])
    assert abs((inputs[chosen] == model.mask_id).mean() - 0.8) < 0.05
    filled = model.fill(x[:2, :8], chosen[:2, :8])
    assert filled.shape == (2, 8) and (filled < V).all()


@pytest.mark.parametrize("name,hp,message", [
    ("gpt", dict(vocab_size=V, n_embd=30, n_head=4), "divisible"),
    ("gpt", dict(vocab_size=V, block_size=0), "block_size"),
    ("gpt", dict(vocab_size=V, dropout=1.5), "dropout"),
    ("bert", dict(vocab_size=V, mask_prob=0.0), "mask_prob"),
    ("mlp", dict(vocab_size=V, n_embd=-3), "n_embd"),
    ("cnn", dict(vocab_size=V, block_size=6), "power of two"),
    ("rnn", dict(vocab_size=V, cell="transformer"), "cell"),
])
def test_nonsense_hyper_parameters_raise_clearly(name, hp, message):
    with pytest.raises(ValueError, match=message):
        build_model(name, **hp)


@pytest.mark.parametrize("name", ["sentiment", "logreg"])
def test_sentiment_ngram_features_shape_and_learning(tmp_path, name):
    """The 'ngrams' path end to end on a tiny labelled file: ClassifyTask builds unit-length n-gram rows
    from the train split only, the model maps them to 2 logits, and a few AdamW steps lower the loss."""
    from teenygrad.data.datasets import NgramVocabulary
    from teenygrad.models.tasks import ClassifyTask
    good = ["loved it", "great food", "really good value", "not bad at all", "lovely staff", "works great"]
    bad = ["hated it", "awful food", "really bad value", "not good at all", "rude staff", "broke at once"]
    lines = [f"{s} {i}\t1" for i in range(5) for s in good] + [f"{s} {i}\t0" for i in range(5) for s in bad]
    data = tmp_path / "tiny_labelled.txt"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    task = ClassifyTask.load(str(data), features="ngrams")
    assert isinstance(task.vocabulary, NgramVocabulary)
    assert "not bad" in task.vocabulary.index and "#lov" in task.vocabulary.index
    assert [len(task.Y[s]) for s in ("train", "val", "test")] == [48, 6, 6]
    assert np.allclose(np.linalg.norm(task.X["train"], axis=1), 1.0)
    teenygrad.manual_seed(0)
    hp = dict(n_hidden=8, dropout=0.0) if name == "sentiment" else {}
    model = build_model(name, n_features=task.n_features, features="ngrams", **hp)
    assert model.features == "ngrams"
    x, y = task.X["train"], task.Y["train"]
    assert model(teenygrad.tensor(x)).shape == (48, 2)
    first, last = _fit(model, x, y, steps=40, lr=0.05)
    assert last < 0.7 * first, (first, last)
    assert task.evaluate(model, "train")["acc"] == 1.0
    with pytest.raises(ValueError, match="features"):
        build_model(name, n_features=4, features="chars")
    with pytest.raises(ValueError, match="features"):
        ClassifyTask.load(str(data), features="chars")


def test_label_smoothing_trains_on_smoothed_targets_and_scores_plain_cross_entropy():
    """ClassifyTask's training loss is (1 - ls) * NLL(label) + ls * mean over classes of NLL(class), by hand;
    evaluate() stays the plain NLL. Only the classifiers take the setting (off by default)."""
    from teenygrad.models.tasks import ClassifyTask
    from teenygrad.train import TrainError, resolve_config
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 5)).astype(np.float32), rng.integers(0, 3, size=8)
    task = ClassifyTask({"train": x, "val": x}, {"train": y, "val": y}, label_smoothing=0.2)
    teenygrad.manual_seed(0)
    model = teenygrad.nn.Linear(5, 3)
    z = x @ model.weight.numpy().T + model.bias.numpy()
    logp = z - z.max(1, keepdims=True) - np.log(np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True))
    nll = -logp[np.arange(8), y]
    assert task.loss(model, x, y).item() == pytest.approx(np.mean(0.8 * nll - 0.2 * logp.mean(1)), rel=1e-5)
    assert task.evaluate(model, "val")["loss"] == pytest.approx(nll.mean(), rel=1e-5)
    assert resolve_config("sentiment")[2].label_smoothing == 0.0
    assert resolve_config("sentiment", {"label-smoothing": "0.1"})[2].label_smoothing == 0.1   # as the CLI passes it
    with pytest.raises(TrainError, match="label_smoothing is for the classifiers"):
        resolve_config("mlp", {"label_smoothing": 0.1})
