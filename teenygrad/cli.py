"""The `teenygrad` command: train, sample from and evaluate the book's models.

    teenygrad train mlp --data names --max-iters 30000 --out-dir out/mlp
    teenygrad sample --out-dir out/mlp --num-samples 10
    teenygrad sample --gpt2 path/to/gpt2 --prompt "Hello" --temperature 0   # a Hugging Face GPT-2 folder
    teenygrad eval --out-dir out/mlp --split test
    teenygrad train gpt --preset shakespeare-cpu --out-dir out/gpt --n-layer 2   # any hyper-parameter
    teenygrad models                                                              # what can be trained
    teenygrad env [--verify]            # versions, BLAS kernels, threads, optional pieces, where the data is

Bad input (an unknown model, a missing data file, a corrupt checkpoint, nonsense hyper-parameters) ends
with one line on stderr and exit status 2; checkpoints already on disk are left as they were.
Set TEENYGRAD_DEBUG=1 to see the traceback instead. Ctrl-C ends with exit status 130; in training, with the
iteration last.ckpt holds and the command that resumes from it.
"""
import argparse
import os
import sys

EXIT_BAD_INPUT = 2


class CLIError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse with its errors on one line, as every other bad input (the usage is a --help away)."""

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser():
    p = _Parser(prog="teenygrad", description="Train, sample and evaluate the book's models.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    t = sub.add_parser("train", help="train a model (any hyper-parameter can be given as --name value)",
                       epilog="Any other hyper-parameter of the model or of the training loop is given as --name "
                              "value (e.g. --n-embd 64 --eval-interval 250 --dropout 0.1); an unknown name lists "
                              "the model's. `teenygrad models` lists the models, their default data and presets.")
    t.add_argument("model", help="bigram, mlp, cnn, rnn, gru, lstm, gpt, bert, xor, sentiment or logreg")
    t.add_argument("--data", help="a data set name (names, shakespeare, sentiment, xor) or a text file path")
    t.add_argument("--out-dir", help="where checkpoints go (default out/MODEL)")
    t.add_argument("--preset", help="named configuration, e.g. shakespeare-cpu or shakespeare-gpu for gpt")
    t.add_argument("--max-iters", type=int)
    t.add_argument("--batch-size", type=int)
    t.add_argument("--lr", type=float)
    t.add_argument("--seed", type=int)
    t.add_argument("--device", choices=["cpu", "cuda"])
    t.add_argument("--resume", action="store_true", help="continue DIR/last.ckpt exactly where it stopped")
    t.add_argument("--overwrite", action="store_true",
                   help="train afresh into a DIR that already holds this model's run (its checkpoints are replaced)")
    s = sub.add_parser("sample", help="print samples from a trained model")
    src = s.add_mutually_exclusive_group(required=True)
    src.add_argument("--out-dir")
    src.add_argument("--gpt2", metavar="DIR", help="a Hugging Face GPT-2 folder (config.json, model.safetensors, "
                     "vocab.json, merges.txt): stream one continuation of --prompt (temperature 0 = greedy)")
    s.add_argument("--dtype", choices=["float32", "float16", "bfloat16"], default="float32",
                   help="--gpt2 weight storage (compute stays float32 on CPU)")
    s.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="--gpt2: where the model runs")
    s.add_argument("--num-samples", type=int, default=None,
                   help="default 10 for words, 1 for text, 5 masked snippets for bert")
    s.add_argument("--max-new-tokens", type=int, default=None, help="default: to the end of a word; 500 for text")
    s.add_argument("--temperature", type=float, default=1.0)
    s.add_argument("--top-k", type=int, default=None)
    s.add_argument("--prompt", default="", help="text to continue ('_' marks characters for bert to fill)")
    s.add_argument("--seed", type=int, default=42)
    e = sub.add_parser("eval", help="loss of a trained model on a split; the last line is '<split> loss <float>'")
    e.add_argument("--out-dir", required=True)
    e.add_argument("--split", choices=["train", "val", "test"], default="val")
    sub.add_parser("models", help="list the models, their data and presets")
    v = sub.add_parser("env", help="versions, BLAS kernels, threads, optional pieces and data locations "
                                   "(for bug reports; downloads nothing)")
    v.add_argument("--verify", action="store_true", help="also check each data file's sha256")
    return p


def _extra_options(tokens):
    """['--n-embd', '64', '--bias=true'] -> {'n_embd': '64', 'bias': 'true'}."""
    out, i = {}, 0
    while i < len(tokens):
        tok = tokens[i]
        if not tok.startswith("--") or tok == "--":
            raise CLIError(f"unexpected argument {tok!r}; hyper-parameters are given as --name value")
        if "=" in tok:
            key, value = tok[2:].split("=", 1)
            i += 1
        else:
            if i + 1 >= len(tokens):
                raise CLIError(f"{tok} needs a value")
            key, value = tok[2:], tokens[i + 1]
            i += 2
        out[key.replace("-", "_")] = value
    return out


def cmd_train(args, extra):
    from teenygrad import train as T
    overrides = _extra_options(extra)
    for key in ("data", "max_iters", "batch_size", "lr", "seed", "device"):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    out_dir = args.out_dir or os.path.join("out", args.model)
    if args.resume and args.preset:
        raise CLIError("--resume continues with the saved configuration; drop --preset")
    T.train(args.model, out_dir, overrides, preset=args.preset, resume=args.resume, overwrite=args.overwrite)


def cmd_sample(args):
    if args.gpt2 is not None:
        from teenygrad.models import gpt2
        return gpt2.sample_cli(args)
    from teenygrad.models import sampling
    if args.device != "cpu" or args.dtype != "float32":      # else silently ignored: a checkpoint samples on the CPU
        raise CLIError(f"--device {args.device} / --dtype {args.dtype} are for --gpt2; sampling from --out-dir runs "
                       f"in float32 on the CPU")
    if args.num_samples is not None and args.num_samples < 1:
        raise CLIError(f"--num-samples must be >= 1, got {args.num_samples}")
    if args.max_new_tokens is not None and args.max_new_tokens < 1:
        raise CLIError(f"--max-new-tokens must be >= 1, got {args.max_new_tokens}")
    if not 0 < args.temperature < float("inf"):
        raise CLIError(f"--temperature must be > 0 and finite, got {args.temperature}")
    if args.top_k is not None and args.top_k < 1:
        raise CLIError(f"--top-k must be >= 1, got {args.top_k}")
    if not 0 <= args.seed < 2**64:
        raise CLIError(f"--seed must be a non-negative integer below 2**64, got {args.seed}")
    for line in sampling.sample_from_checkpoint(args.out_dir, args.num_samples, args.max_new_tokens,
                                                args.temperature, args.top_k, args.prompt, args.seed):
        print(line)


def cmd_eval(args):
    from teenygrad import train as T
    ckpt = T.load_checkpoint(args.out_dir)
    spec, model, task, cfg, _ = T.restore(ckpt)
    if args.split not in task.splits():
        raise CLIError(f"data {cfg.data!r} has no {args.split} split (it has {', '.join(task.splits())})")
    metrics = task.evaluate(model, args.split)
    whole = ""
    if cfg.eval_iters is not None and spec.task != "classify":   # else a user sees two val losses and wonders
        logged = (f"the val loss {float(ckpt['best_val']):.4f} logged in training was an estimate"
                  if args.split == "val" else "the losses logged in training were estimates")
        whole = f", on the whole {args.split} split ({logged} from {cfg.eval_iters} batches of {cfg.batch_size})"
    print(f"{spec.name} from {args.out_dir} (iteration {ckpt['iter']}), data {cfg.data}{whole}")
    for key, value in metrics.items():
        if key != "loss":
            print(f"{args.split} {key} {value:.4f}")
    print(f"{args.split} loss {metrics['loss']:.4f}")


def cmd_models():
    from teenygrad.models import REGISTRY
    for name, spec in REGISTRY.items():
        presets = f" [presets: {', '.join(spec.presets)}]" if spec.presets else ""
        print(f"{name:10s} data {spec.data:12s} {spec.about}{presets}")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    if extra and args.command != "train":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    from teenygrad.train import TrainError, TrainInterrupted
    try:
        if args.command == "train":
            cmd_train(args, extra)
        elif args.command == "sample":
            cmd_sample(args)
        elif args.command == "eval":
            cmd_eval(args)
        elif args.command == "env":
            from teenygrad import env_info
            print("\n".join(env_info.report(args.verify)))
        else:
            cmd_models()
    except TrainInterrupted as e:                 # in the training loop: it knows what last.ckpt holds
        print(f"teenygrad {args.command}: {e}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print(f"\nteenygrad {args.command}: interrupted (checkpoints on disk are left as they were)", file=sys.stderr)
        return 130
    except BrokenPipeError:      # `teenygrad sample ... | head`: the reader has what it wanted
        try:                                      # so the interpreter's final flush does not fail again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (AttributeError, OSError, ValueError):
            pass
        return 141
    except MemoryError:
        if os.environ.get("TEENYGRAD_DEBUG"):
            raise
        print(f"teenygrad {args.command}: error: out of memory; lower --num-samples, --batch-size or the model "
              f"size", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (CLIError, TrainError, ValueError, FileNotFoundError, OSError) as e:
        if os.environ.get("TEENYGRAD_DEBUG"):
            raise
        message = " ".join(str(e.args[0] if e.args else e).split()) if not isinstance(e, OSError) else str(e)
        print(f"teenygrad {args.command}: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main())
