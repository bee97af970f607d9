"""PyTorch timings of the book's training steps, for a side-by-side with the Swift engine.

Every row times one full training step -- forward, loss, backward, (gradient clipping),
optimizer update, zero_grad -- in float32 on the CPU, and reports the fastest of
--repeats repeats of --steps-per-repeat steps each (the median beside it), after warm-up
steps that are not timed. The fastest repeat is what `companion bench` reports too: on a
shared machine it is the run least disturbed by other work. Inputs are random (no data set is read); what is measured is the arithmetic and
the framework's overhead, not learning.

Rows (names for --only):
  MLP              784-100-100-100-10, sigmoid hidden layers, weights N(0, 0.1^2), zero
                   biases, softmax cross-entropy, batch 60, plain SGD lr 0.01; inputs
                   uniform [0, 1), random labels.
  BN-MLP           the same with nn.BatchNorm1d(eps=1e-5) before every hidden sigmoid and
                   no bias in the hidden Linear layers.
  nn.LSTM T=784    nn.LSTM(input_size=1, hidden_size=100), time-major, batch 64, 784 steps
                   (sequential MNIST shape), Linear(100 -> 10) on the last hidden state,
                   cross-entropy, RMSprop(lr=1e-3, alpha=0.5, eps=1e-8), clip_grad_norm_ 1.
  BN-LSTM T=784    a BN-LSTM written the way public PyTorch ports write it (modelled on
                   jihunchoi/recurrent-batch-normalization-pytorch, bnlstm.py): a Python loop
                   over time; a cell computing BN(h Wh) + BN(x Wx) + b and
                   h = o * tanh(BN(c)), where each BN is that port's SeparatedBatchNorm1d:
                   one affine (gamma, beta) shared across time steps, separate running
                   mean/variance buffers per time step, applied with F.batch_norm in
                   training mode; the port's length mask (h*mask + h_prev*(1-mask), all
                   ones here) is kept. Port initialisation: Wx orthogonal, Wh = [I I I I],
                   b = 0, gammas 0.1, betas 0. Gate order i, f, o, g. Same sizes, head and
                   optimizer as the nn.LSTM T=784 row.
  nn.LSTM char     character model: vocabulary 55, one-hot inputs fed as dense float
                   vectors (so x Wx is a dense 55-wide product, the same as an nn.Linear
                   on a one-hot; no embedding lookup), nn.LSTM(55, --char-hidden), batch
                   --char-batch, length --char-length, Linear(hidden -> 55) at every step,
                   mean cross-entropy over all steps, Adam(lr=2e-3), clip_grad_norm_ 1.
  BN-LSTM char     the same with the port-style BN-LSTM cell above (one-hot dense input).
  LN-LSTM T=784    the port-style loop with an LN-LSTM cell in the same places (Ba et al.
                   2016, the engine's form): LayerNorm(4H) of h Wh and of x Wx (each over all
                   four gates' pre-activations together), + b, and h = o * tanh(LN(c)) with
                   LayerNorm(H); eps 1e-5, gains 1. Same sizes, head and optimizer.
  LN-LSTM char     the same cell on the character model.

Initial states of the recurrent rows are zeros (not learned). The "ms/time step" column
is ms/step divided by the sequence length.

Side by side with the Swift engine, in one run on one machine:
    .build/release/companion bench --json runs/engine.json
    /path/to/venv/bin/python Benchmarks/pytorch_reference.py --engine runs/engine.json
prints both tables and, per model, PyTorch's time over the engine's (above 1: the engine
is faster). The rows pair up as MLP/MLP, BN-MLP/BN-MLP, nn.LSTM T=784/LSTM T=784,
BN-LSTM T=784/BN-LSTM T=784, nn.LSTM char/LSTM char, BN-LSTM char/BN-LSTM char,
LN-LSTM T=784/LN-LSTM T=784, LN-LSTM char/LN-LSTM char.

Usage:
    /path/to/venv/bin/python Benchmarks/pytorch_reference.py --threads 1
    ... --only "MLP,BN-MLP" --repeats 7 --json runs/pytorch.json
    ... --steps-per-repeat "BN-LSTM T=784=1,nn.LSTM T=784=2"
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import torch
from torch import nn
from torch.nn import functional as F

SEQ_MNIST_T = 784
SEQ_MNIST_BATCH = 64
SEQ_MNIST_HIDDEN = 100
VOCAB = 55


# ----------------------------------------------------------------------------------------
# Models


def mlp(batch_norm):
    layers = []
    width = 784
    for _ in range(3):
        lin = nn.Linear(width, 100, bias=not batch_norm)
        nn.init.normal_(lin.weight, 0.0, 0.1)
        if lin.bias is not None:
            nn.init.zeros_(lin.bias)
        layers.append(lin)
        if batch_norm:
            layers.append(nn.BatchNorm1d(100, eps=1e-5))
        layers.append(nn.Sigmoid())
        width = 100
    out = nn.Linear(width, 10)
    nn.init.normal_(out.weight, 0.0, 0.1)
    nn.init.zeros_(out.bias)
    layers.append(out)
    return nn.Sequential(*layers)


class SeparatedBatchNorm1d(nn.Module):
    """As in the public port: shared affine, running statistics per time step."""

    def __init__(self, num_features, max_length, eps=1e-5, momentum=0.1):
        super().__init__()
        self.max_length = max_length
        self.eps = eps
        self.momentum = momentum
        self.weight = nn.Parameter(torch.full((num_features,), 0.1))
        self.bias = nn.Parameter(torch.zeros(num_features))
        for i in range(max_length):
            self.register_buffer(f"running_mean_{i}", torch.zeros(num_features))
            self.register_buffer(f"running_var_{i}", torch.ones(num_features))

    def forward(self, x, time):
        time = min(time, self.max_length - 1)
        return F.batch_norm(x, getattr(self, f"running_mean_{time}"),
                            getattr(self, f"running_var_{time}"),
                            weight=self.weight, bias=self.bias, training=self.training,
                            momentum=self.momentum, eps=self.eps)


class BNLSTMCell(nn.Module):
    """The port's cell, gate order i, f, o, g."""

    def __init__(self, input_size, hidden_size, max_length):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(input_size, 4 * hidden_size))
        self.weight_hh = nn.Parameter(torch.eye(hidden_size).repeat(1, 4))
        self.bias = nn.Parameter(torch.zeros(4 * hidden_size))
        nn.init.orthogonal_(self.weight_ih)
        self.bn_ih = SeparatedBatchNorm1d(4 * hidden_size, max_length)
        self.bn_hh = SeparatedBatchNorm1d(4 * hidden_size, max_length)
        self.bn_c = SeparatedBatchNorm1d(hidden_size, max_length)

    def forward(self, x, hx, time):
        h0, c0 = hx
        bias = self.bias.unsqueeze(0).expand(h0.size(0), self.bias.size(0))
        wh = torch.mm(h0, self.weight_hh)
        wi = torch.mm(x, self.weight_ih)
        a = self.bn_hh(wh, time) + self.bn_ih(wi, time) + bias
        i, f, o, g = torch.split(a, self.hidden_size, dim=1)
        c1 = torch.sigmoid(f) * c0 + torch.sigmoid(i) * torch.tanh(g)
        h1 = torch.sigmoid(o) * torch.tanh(self.bn_c(c1, time))
        return h1, c1


class LNLSTMCell(nn.Module):
    """The LN-LSTM in the BN-LSTM cell's places, gate order i, f, o, g."""

    def __init__(self, input_size, hidden_size, max_length):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(input_size, 4 * hidden_size))
        self.weight_hh = nn.Parameter(torch.eye(hidden_size).repeat(1, 4))
        self.bias = nn.Parameter(torch.zeros(4 * hidden_size))
        nn.init.orthogonal_(self.weight_ih)
        self.ln_ih = nn.LayerNorm(4 * hidden_size, eps=1e-5)
        self.ln_hh = nn.LayerNorm(4 * hidden_size, eps=1e-5)
        self.ln_c = nn.LayerNorm(hidden_size, eps=1e-5)

    def forward(self, x, hx, time):
        h0, c0 = hx
        a = self.ln_hh(torch.mm(h0, self.weight_hh)) + self.ln_ih(torch.mm(x, self.weight_ih)) \
            + self.bias
        i, f, o, g = torch.split(a, self.hidden_size, dim=1)
        c1 = torch.sigmoid(f) * c0 + torch.sigmoid(i) * torch.tanh(g)
        h1 = torch.sigmoid(o) * torch.tanh(self.ln_c(c1))
        return h1, c1


class PortBNLSTM(nn.Module):
    """The port's LSTM._forward_rnn loop, one layer, time-major input (T, B, I), with its
    BN-LSTM cell or (cell=LNLSTMCell) the LN-LSTM cell."""

    def __init__(self, input_size, hidden_size, max_length, cell=BNLSTMCell):
        super().__init__()
        self.hidden_size = hidden_size
        self.cell = cell(input_size, hidden_size, max_length)

    def forward(self, x):
        steps, batch, _ = x.shape
        h = x.new_zeros(batch, self.hidden_size)
        c = x.new_zeros(batch, self.hidden_size)
        length = torch.full((batch,), steps, dtype=torch.long)
        outputs = []
        for t in range(steps):
            h_next, c_next = self.cell(x[t], (h, c), t)
            mask = (t < length).float().unsqueeze(1).expand_as(h_next)
            h = h_next * mask + h * (1 - mask)
            c = c_next * mask + c * (1 - mask)
            outputs.append(h)
        return torch.stack(outputs, 0), (h, c)


class Classifier(nn.Module):
    """Recurrent body + Linear on the last hidden state (sequential MNIST)."""

    def __init__(self, body, hidden, classes=10):
        super().__init__()
        self.body = body
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        out, _ = self.body(x)
        return self.head(out[-1])


class CharModel(nn.Module):
    """Recurrent body + Linear at every step (character language model)."""

    def __init__(self, body, hidden, vocab=VOCAB):
        super().__init__()
        self.body = body
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x):
        out, _ = self.body(x)                       # (T, B, H)
        return self.head(out.reshape(-1, out.size(-1)))   # (T*B, vocab)


# ----------------------------------------------------------------------------------------
# Rows: each returns (step function, description dict)


def row_mlp(batch_norm, args):
    model = mlp(batch_norm).train()
    x = torch.rand(60, 784)
    y = torch.randint(0, 10, (60,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)

    def step():
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss

    shapes = {"layers": [784, 100, 100, 100, 10], "batch": 60, "activation": "sigmoid",
              "batch_norm": batch_norm, "optimizer": "SGD lr 0.01"}
    return step, shapes, None


def recurrent_step(model, x, y, opt):
    params = [p for p in model.parameters()]

    def step():
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad()
        return loss

    return step


def recurrent_body(norm, inputs, hidden, steps):
    """nn.LSTM (norm None), or the port-style loop with the BN-LSTM ("bn") or LN-LSTM ("ln")
    cell."""
    if norm is None:
        return nn.LSTM(input_size=inputs, hidden_size=hidden, batch_first=False)
    return PortBNLSTM(inputs, hidden, steps, cell=BNLSTMCell if norm == "bn" else LNLSTMCell)


def row_seq_mnist(norm, args):
    T, Bsz, Hd = SEQ_MNIST_T, SEQ_MNIST_BATCH, SEQ_MNIST_HIDDEN
    body = recurrent_body(norm, 1, Hd, T)
    model = Classifier(body, Hd).train()
    x = torch.rand(T, Bsz, 1)
    y = torch.randint(0, 10, (Bsz,))
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.5, eps=1e-8)
    shapes = {"T": T, "batch": Bsz, "input": 1, "hidden": Hd, "classes": 10,
              "head": "last step", "optimizer": "RMSprop lr 1e-3 alpha 0.5 eps 1e-8",
              "clip": 1.0}
    return recurrent_step(model, x, y, opt), shapes, T


def row_char(norm, args):
    T, Bsz, Hd = args.char_length, args.char_batch, args.char_hidden
    body = recurrent_body(norm, VOCAB, Hd, T)
    model = CharModel(body, Hd).train()
    ids = torch.randint(0, VOCAB, (T, Bsz))
    x = F.one_hot(ids, VOCAB).float()                 # (T, B, 55) dense one-hot
    y = torch.randint(0, VOCAB, (T * Bsz,))           # next-character targets, t-major
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    shapes = {"T": T, "batch": Bsz, "vocab": VOCAB, "hidden": Hd,
              "input": "one-hot as dense float (T, B, 55)", "head": "every step",
              "optimizer": "Adam lr 2e-3", "clip": 1.0}
    return recurrent_step(model, x, y, opt), shapes, T


ROWS = [
    # name, builder, default steps per repeat, warm-up steps
    ("MLP", lambda a: row_mlp(False, a), 200, 20),
    ("BN-MLP", lambda a: row_mlp(True, a), 200, 20),
    ("nn.LSTM T=784", lambda a: row_seq_mnist(None, a), 3, 1),
    ("BN-LSTM T=784", lambda a: row_seq_mnist("bn", a), 1, 1),
    ("LN-LSTM T=784", lambda a: row_seq_mnist("ln", a), 1, 1),
    ("nn.LSTM char", lambda a: row_char(None, a), 5, 1),
    ("BN-LSTM char", lambda a: row_char("bn", a), 2, 1),
    ("LN-LSTM char", lambda a: row_char("ln", a), 2, 1),
]


def describe_shapes(shapes):
    return ", ".join(f"{k} {v}" for k, v in shapes.items())


def parse_steps(text):
    out = {}
    if not text:
        return out
    for part in text.split(","):
        name, _, value = part.rpartition("=")
        out[name.strip()] = int(value)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps-per-repeat", default="",
                        help='per row, e.g. "MLP=200,BN-LSTM T=784=1"; a bare number '
                             "sets every row")
    parser.add_argument("--only", default="", help="comma-separated row names")
    parser.add_argument("--char-hidden", type=int, default=256)
    parser.add_argument("--char-batch", type=int, default=64)
    parser.add_argument("--char-length", type=int, default=100)
    parser.add_argument("--json", default="", help="also write the numbers to this file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--engine", default="",
                        help="JSON from `companion bench --json FILE`: print the ratios")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)

    if args.steps_per_repeat.strip().isdigit():
        steps_override = {name: int(args.steps_per_repeat) for name, *_ in ROWS}
    else:
        steps_override = parse_steps(args.steps_per_repeat)
    known = {name for name, *_ in ROWS}
    for name in steps_override:
        if name not in known:
            sys.exit(f"unknown row in --steps-per-repeat: {name!r}; rows: {sorted(known)}")
    selected = [s.strip() for s in args.only.split(",") if s.strip()]
    for name in selected:
        if name not in known:
            sys.exit(f"unknown row in --only: {name!r}; rows: {sorted(known)}")

    load_start = os.getloadavg()
    print(f"torch {torch.__version__}  python {platform.python_version()}  "
          f"{platform.machine()}  cpus {os.cpu_count()}")
    print(f"intra-op threads {torch.get_num_threads()}  inter-op threads "
          f"{torch.get_num_interop_threads()}  float32 CPU  fastest of {args.repeats} repeats")
    print(f"load average at start {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}")
    print(flush=True)

    results = []
    header = (f"{'row':16s} {'ms/step':>10s} {'median':>10s} {'ms/time step':>13s} "
              f"{'steps':>6s}  shapes")
    print(header)
    print("-" * len(header), flush=True)
    for name, build, default_steps, warmup in ROWS:
        if selected and name not in selected:
            continue
        steps = steps_override.get(name, default_steps)
        step, shapes, seq_len = build(args)
        for _ in range(warmup):
            step()
        samples = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            for _ in range(steps):
                loss = step()
            loss.item()
            samples.append((time.perf_counter() - start) * 1000.0 / steps)
        if not torch.isfinite(loss):
            sys.exit(f"{name}: the loss is not finite ({loss.item()})")
        fastest = min(samples)
        median = statistics.median(samples)
        per_t = fastest / seq_len if seq_len else None
        per_t_text = f"{per_t:13.4f}" if per_t is not None else f"{'':13s}"
        print(f"{name:16s} {fastest:10.3f} {median:10.3f} {per_t_text} {steps:6d}  "
              f"{describe_shapes(shapes)}", flush=True)
        results.append({"row": name, "ms_per_step": fastest, "median_ms_per_step": median,
                        "ms_per_time_step": per_t,
                        "samples_ms_per_step": samples, "steps_per_repeat": steps,
                        "warmup_steps": warmup, "shapes": shapes})

    load_end = os.getloadavg()
    print()
    print("BN-LSTM and LN-LSTM rows: per-step Python loop, public-port style (BN: F.batch_norm"
          " per time step,\nshared gammas, per-step running statistics; LN: nn.LayerNorm); nn.LSTM"
          " rows: PyTorch's fused CPU LSTM."
          " Inputs of the char rows:\none-hot as dense float vectors. ms/time step = ms/step / T.")
    print(f"load average at end {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}")
    if args.json:
        document = {
            "torch": torch.__version__,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "threads": torch.get_num_threads(),
            "interop_threads": torch.get_num_interop_threads(),
            "dtype": "float32",
            "repeats": args.repeats,
            "statistic": "fastest repeat's mean ms per step (median also given)",
            "load_average_start": list(load_start),
            "load_average_end": list(load_end),
            "rows": results,
        }
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(document, f, indent=2)
            f.write("\n")
        print(f"wrote {args.json}")
    if args.engine:
        print_side_by_side(args.engine, results)
    return 0


# PyTorch row -> the engine's row of the same model (`companion bench` names).
ENGINE_ROWS = {
    "MLP": "MLP", "BN-MLP": "BN-MLP", "nn.LSTM T=784": "LSTM T=784",
    "BN-LSTM T=784": "BN-LSTM T=784", "nn.LSTM char": "LSTM char",
    "BN-LSTM char": "BN-LSTM char", "LN-LSTM T=784": "LN-LSTM T=784",
    "LN-LSTM char": "LN-LSTM char",
}


def print_side_by_side(path, results):
    """The engine's table (from `companion bench --json`) beside PyTorch's, with ratios."""
    with open(path) as f:
        engine = json.load(f)
    rows = {row["name"]: row for row in engine["rows"]}
    print()
    print(f"side by side (engine: {path}, {engine['threads']} thread(s), load at its end "
          f"{' '.join(f'{x:.2f}' for x in engine.get('machineLoad', []))})")
    header = (f"{'model':16s} {'PyTorch ms':>11s} {'engine ms':>10s} {'PyTorch/engine':>15s} "
              f"{'engine % of GEMM bound':>23s}")
    print(header)
    print("-" * len(header))
    for result in results:
        mine = rows.get(ENGINE_ROWS.get(result["row"], ""))
        if mine is None:
            continue
        ratio = result["ms_per_step"] / mine["millisecondsPerStep"]
        print(f"{result['row']:16s} {result['ms_per_step']:11.3f} "
              f"{mine['millisecondsPerStep']:10.3f} {ratio:14.2f}x "
              f"{100 * mine['fractionOfBound']:22.1f}%")
    print("(PyTorch/engine above 1: the engine is that many times faster on this machine.)")


if __name__ == "__main__":
    sys.exit(main())
