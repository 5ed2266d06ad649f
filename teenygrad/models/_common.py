"""Small pieces the model files share: argument checks and next-token sampling."""
import numpy as np

GREEDY_BELOW = 1e-4     # sample_next: temperatures below this are (almost) argmax; above, nanoGPT's exact arithmetic


def check_positive_int(name: str, value, owner: str):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")


def check_probability(name: str, value, owner: str):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(f"{owner}: {name} must be in [0, 1), got {value!r}")


def sample_next(logits, temperature: float = 1.0, top_k: int | None = None, generator=None):
    """One token id per row from (b, v) logits: divide by temperature, keep the top_k largest, softmax,
    multinomial. Every sampler in the package goes through here, so equal logits give equal draws."""
    import teenygrad
    if not temperature > 0:
        raise ValueError(f"sample: temperature must be > 0, got {temperature!r}")
    if temperature < GREEDY_BELOW:       # logits / so small a temperature overflow to inf (nan probabilities):
        info = teenygrad.finfo(logits.dtype)                         # put the best at 0 and bound the rest, so
        temperature = max(temperature, info.tiny)                    # the quotients stay finite
        logits = (logits - logits.amax(dim=-1, keepdim=True)).clamp(min=-0.5 * info.max * temperature)
    logits = logits / temperature
    if top_k is not None:
        if top_k < 1:
            raise ValueError(f"sample: top_k must be >= 1, got {top_k!r}")
        k = min(int(top_k), logits.shape[-1])
        kth = logits.topk(k, dim=-1).values[:, -1:]                      # (b, 1)
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = logits.softmax(dim=-1)
    return teenygrad.multinomial(probs, num_samples=1, generator=generator)   # (b, 1)
