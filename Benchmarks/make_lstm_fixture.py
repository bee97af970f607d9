"""Reference values for the engine's LSTM and BN-LSTM tests, computed by PyTorch.

What this is
------------
This script writes Tests/EngineTests/Fixtures/lstm-reference.json: six small, fully
specified cases, {plain LSTM, BN-LSTM (Cooijmans et al. 2017), LN-LSTM (Ba et al. 2016)} x
{classifier head, language-model head}. Each case stores its inputs, labels and parameters (so the Swift
test needs no random-number agreement with Python), and PyTorch's float64 outputs: the
loss, the hidden states h_1..h_T, the cell states c_1..c_T, the logits, and the gradient
of the loss with respect to every parameter and to the input x, taken by autograd.
Before writing, the script checks itself: the loss is computed a second time by an
independent NumPy implementation in extended precision (np.longdouble, 64-bit mantissa),
which must agree with torch's to 1e-13, and every gradient entry of every tensor is
compared with a central finite difference of that extended-precision loss (step 1e-6);
the relative error must be below 1e-6 (it is below 1e-7 for every entry). Extended
precision is used because in float64 a step-1e-6 difference carries about 1e-10 of
rounding error, i.e. 1e-6 relative on the 1e-4-sized gradient entries of these small nets.

The math (row-major, one example per row; float64 throughout)
-------------------------------------------------------------
Sizes: T = 5 time steps, B = 4 examples, I = 3 inputs, H = 4 hidden units, K = 3 classes.
Inputs x_t (B x I) for t = 1..T. Gate order in the 4H columns: i, f, o, g (columns 0:H
are i, H:2H are f, 2H:3H are o, 3H:4H are g).

Parameters: Wx (I x 4H), Wh (H x 4H), b (1 x 4H), h0 (1 x H), c0 (1 x H), Wy (H x K),
by (1 x K); the BN-LSTM and the LN-LSTM also have gamma_x (1 x 4H), gamma_h (1 x 4H),
gamma_c (1 x H), beta_c (1 x H). h_0 and c_0 are the learned rows h0, c0 repeated for each of the B rows.

Note (BN-LSTM): since the B rows of h_0 are equal, every column of h_0 Wh is constant over
the batch and BN(h_0 Wh; gamma_h) = 0 exactly, whatever h0 is. So in the BN-LSTM the
learned h0 has no effect and d loss / d h0 = 0 exactly; autograd returns rounding noise of
about 1e-16 there, and the fixture stores the exact 0 (a test should compare that entry
with an absolute tolerance). c0 is unaffected.

    BN(z; gamma[, beta]) for a B x n matrix z, per column j (training mode, no running
    averages; the statistics are those of the current time step's batch):
        mu_j     = (1/B) sum_b z_bj
        var_j    = (1/B) sum_b (z_bj - mu_j)^2                (biased)
        BN(z)_bj = gamma_j (z_bj - mu_j) / sqrt(var_j + eps) [+ beta_j],  eps = 1e-5

    LN(z; gamma[, beta]) for a B x n matrix z, per row b (Ba et al. 2016; the statistics
    are the row's own, over its n features, all 4H gate pre-activations together):
        mu_b     = (1/n) sum_j z_bj
        var_b    = (1/n) sum_j (z_bj - mu_b)^2                (biased)
        LN(z)_bj = gamma_j (z_bj - mu_b) / sqrt(var_b + eps) [+ beta_j],  eps = 1e-5

    plain LSTM:  a_t = x_t Wx + h_{t-1} Wh + b
    BN-LSTM:     a_t = BN(x_t Wx; gamma_x) + BN(h_{t-1} Wh; gamma_h) + b
    LN-LSTM:     a_t = LN(x_t Wx; gamma_x) + LN(h_{t-1} Wh; gamma_h) + b
    all:         i = sigmoid(a_i), f = sigmoid(a_f), o = sigmoid(a_o), g = tanh(a_g)
                 c_t = f * c_{t-1} + i * g
    plain LSTM:  h_t = o * tanh(c_t)
    BN-LSTM:     h_t = o * tanh(BN(c_t; gamma_c, beta_c))   (c_t, not its BN, carries on)
    LN-LSTM:     h_t = o * tanh(LN(c_t; gamma_c, beta_c))   (likewise)

(The authors' LN-LSTM, ryankiros/layer-norm layers.py, gives each normalised term a bias of
its own and adds b inside the input term's LN as well; the engine's LN-LSTM keeps Cooijmans
et al.'s placement, one bias b after the normalised terms, so that the BN-LSTM and the
LN-LSTM differ only in the axis of their statistics.)

Heads:
    classifier:      logits = h_T Wy + by (last step only), labels y_b in 0..<K,
                     loss = (1/B) sum_b CE(softmax(logits_b), y_b)
    language model:  logits_t = h_t Wy + by for t = 1..T, targets y_tb in 0..<K,
                     loss = (1/(T B)) sum_{t,b} CE(softmax(logits_tb), y_tb)

Random draws (numpy.random.default_rng(SEED), float64, in the order listed in draw()):
weights Wx, Wh, Wy ~ N(0, 0.5^2); biases b, by ~ N(0, 0.1^2); h0, c0 ~ N(0, 0.3^2);
gamma_x, gamma_h, gamma_c = 0.5 + 0.3 N(0, 1) (clearly not 1); beta_c ~ N(0, 0.1^2);
x ~ N(0, 1); labels and targets uniform in 0..<K. All four cases share these draws (a
plain case simply has no gamma/beta), so plain and BN cases differ only by the BN.

JSON layout
-----------
Top level: {"description", "notes", "seed", "epsilon", "gateOrder": "ifog",
"cases": [case, ...]}.
Every matrix is {"rows": r, "cols": c, "values": [r*c numbers, row-major]}. A case is
    {"name": "plain-classifier" | "plain-lm" | "bn-classifier" | "bn-lm" | "ln-classifier"
             | "ln-lm",
     "model": "plain" | "bn" | "ln", "head": "classifier" | "lm",
     "sizes": {"T", "B", "I", "H", "K"},
     "inputs":  matrix (T*B) x I, row t*B + b is x_{t+1}[b]  (flat index (t*B + b)*I + i),
     "labels":  [B ints] for the classifier, [T*B ints] for the LM (index t*B + b),
     "parameters": {"Wx", "Wh", "b", "h0", "c0", "Wy", "by"
                    [, "gamma_x", "gamma_h", "gamma_c", "beta_c"]}: matrices,
     "loss": number,
     "hidden": matrix (T*B) x H, row t*B + b is h_{t+1}[b]  (flat (t*B + b)*H + j),
     "cells":  matrix (T*B) x H, the same for c_{t+1},
     "logits": matrix B x K (classifier) or (T*B) x K (LM, row t*B + b),
     "gradients": {same keys as "parameters", plus "x"}: matrices of the same shapes,
                  d loss / d that tensor ("x" has the layout of "inputs")}
Numbers are written with Python's repr, the shortest decimal that reads back as exactly
the same float64.

Regenerate
----------
From the repository root, with a Python that has torch and numpy:

    /path/to/venv/bin/python Benchmarks/make_lstm_fixture.py

(e.g. /work/venv-torch/bin/python Benchmarks/make_lstm_fixture.py). The output is
deterministic: running it again rewrites the same file, up to the last bit of the rare
number whose float64 reduction order differs between torch builds.
"""

import json
import os
import sys

import numpy as np
import torch

SEED = 20170301
T, B, I, H, K = 5, 4, 3, 4, 3
EPS = 1e-5
FD_STEP = 1e-6
FD_TOLERANCE = 1e-6
# Relative error |autograd - fd| / max(|autograd|, |fd|, FD_FLOOR); the floor only guards
# against a vanishing entry (the smallest nonzero entries here are about 1e-7).
FD_FLOOR = 1e-12

OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests",
                      "EngineTests", "Fixtures", "lstm-reference.json")

PLAIN_KEYS = ["Wx", "Wh", "b", "h0", "c0", "Wy", "by"]
BN_KEYS = PLAIN_KEYS + ["gamma_x", "gamma_h", "gamma_c", "beta_c"]


def draw():
    """Every random number the fixture uses, float64, in a fixed order."""
    rng = np.random.default_rng(SEED)
    p = {}
    p["Wx"] = rng.normal(0.0, 0.5, size=(I, 4 * H))
    p["Wh"] = rng.normal(0.0, 0.5, size=(H, 4 * H))
    p["b"] = rng.normal(0.0, 0.1, size=(1, 4 * H))
    p["h0"] = rng.normal(0.0, 0.3, size=(1, H))
    p["c0"] = rng.normal(0.0, 0.3, size=(1, H))
    p["Wy"] = rng.normal(0.0, 0.5, size=(H, K))
    p["by"] = rng.normal(0.0, 0.1, size=(1, K))
    p["gamma_x"] = 0.5 + 0.3 * rng.standard_normal(size=(1, 4 * H))
    p["gamma_h"] = 0.5 + 0.3 * rng.standard_normal(size=(1, 4 * H))
    p["gamma_c"] = 0.5 + 0.3 * rng.standard_normal(size=(1, H))
    p["beta_c"] = rng.normal(0.0, 0.1, size=(1, H))
    x = rng.standard_normal(size=(T * B, I))           # row t*B + b
    labels = rng.integers(0, K, size=B)                 # classifier
    targets = rng.integers(0, K, size=T * B)            # LM, index t*B + b
    return p, x, labels, targets


def bn(z, gamma, beta=None):
    """Training-mode batch normalization over the rows of z, written out as in the docstring."""
    mu = z.mean(dim=0, keepdim=True)
    var = ((z - mu) ** 2).mean(dim=0, keepdim=True)
    y = gamma * (z - mu) / torch.sqrt(var + EPS)
    return y if beta is None else y + beta


def ln(z, gamma, beta=None):
    """Layer normalization over the features of each row of z, as in the docstring."""
    mu = z.mean(dim=1, keepdim=True)
    var = ((z - mu) ** 2).mean(dim=1, keepdim=True)
    y = gamma * (z - mu) / torch.sqrt(var + EPS)
    return y if beta is None else y + beta


def forward(model, head, p, x, labels):
    """Returns (loss, hidden (T*B x H), cells (T*B x H), logits)."""
    h = p["h0"].expand(B, H)
    c = p["c0"].expand(B, H)
    hs, cs = [], []
    for t in range(T):
        xt = x[t * B:(t + 1) * B]
        norm = bn if model == "bn" else ln
        if model == "plain":
            a = xt @ p["Wx"] + h @ p["Wh"] + p["b"]
        else:
            a = norm(xt @ p["Wx"], p["gamma_x"]) + norm(h @ p["Wh"], p["gamma_h"]) + p["b"]
        i = torch.sigmoid(a[:, 0:H])
        f = torch.sigmoid(a[:, H:2 * H])
        o = torch.sigmoid(a[:, 2 * H:3 * H])
        g = torch.tanh(a[:, 3 * H:4 * H])
        c = f * c + i * g
        if model == "plain":
            h = o * torch.tanh(c)
        else:
            h = o * torch.tanh(norm(c, p["gamma_c"], p["beta_c"]))
        hs.append(h)
        cs.append(c)
    hidden = torch.cat(hs, dim=0)
    cells = torch.cat(cs, dim=0)
    if head == "classifier":
        logits = h @ p["Wy"] + p["by"]
    else:
        logits = hidden @ p["Wy"] + p["by"]
    loss = torch.nn.functional.cross_entropy(logits, labels, reduction="mean")
    return loss, hidden, cells, logits


def forward_extended(model, head, p, x, labels):
    """The same loss, written again in NumPy with np.longdouble (x87 80-bit on x86-64,
    64-bit mantissa). A second, independent implementation for the finite differences:
    in float64 a central difference at step 1e-6 carries a rounding error of about
    1e-10 absolute, i.e. 1e-6 relative on the 1e-4-sized entries these small nets have;
    in extended precision that error is about 2000x smaller."""
    L = np.longdouble
    sig = lambda z: L(1) / (L(1) + np.exp(-z))

    def norm_ext(z, gamma, beta=None):
        axis = 0 if model == "bn" else 1
        mu = z.mean(axis=axis, keepdims=True)
        var = ((z - mu) ** 2).mean(axis=axis, keepdims=True)
        y = gamma * (z - mu) / np.sqrt(var + L(EPS))
        return y if beta is None else y + beta

    h = np.repeat(p["h0"], B, axis=0)
    c = np.repeat(p["c0"], B, axis=0)
    hs = []
    for t in range(T):
        xt = x[t * B:(t + 1) * B]
        if model == "plain":
            a = xt @ p["Wx"] + h @ p["Wh"] + p["b"]
        else:
            a = norm_ext(xt @ p["Wx"], p["gamma_x"]) + norm_ext(h @ p["Wh"], p["gamma_h"]) + p["b"]
        i, f, o, g = sig(a[:, 0:H]), sig(a[:, H:2 * H]), sig(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])
        c = f * c + i * g
        h = o * np.tanh(c if model == "plain" else norm_ext(c, p["gamma_c"], p["beta_c"]))
        hs.append(h)
    top = h if head == "classifier" else np.concatenate(hs, axis=0)
    z = top @ p["Wy"] + p["by"]
    m = z.max(axis=1, keepdims=True)
    logsumexp = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
    return (logsumexp - z[np.arange(len(labels)), labels]).mean()


def finite_difference_check(model, head, p_np, x_np, labels_np, grads):
    """Central differences (step FD_STEP) of the extended-precision loss on every entry of
    every tensor, against autograd's float64 gradient; returns {name: worst relative error}
    and the two implementations' loss difference."""
    L = np.longdouble
    p = {k: v.astype(L) for k, v in p_np.items()}
    tensors = dict(p)
    tensors["x"] = x_np.astype(L)
    worst = {}
    for name, tensor in tensors.items():
        flat = tensor.reshape(-1)          # a view: writing it perturbs the tensor
        g = grads[name].reshape(-1).numpy()
        err = 0.0
        zero_noise = None
        for k in range(flat.size):
            saved = flat[k]
            flat[k] = saved + L(FD_STEP)
            plus = forward_extended(model, head, p, tensors["x"], labels_np)
            flat[k] = saved - L(FD_STEP)
            minus = forward_extended(model, head, p, tensors["x"], labels_np)
            flat[k] = saved
            numeric = float((plus - minus) / (L(2) * L(FD_STEP)))
            exact = float(g[k])
            if exact == 0.0:
                # The BN-LSTM's h0 (see make_case): the difference quotient is rounding noise
                # of the extended-precision loss, about 1e-11; judged absolutely.
                assert abs(numeric) < 1e-9, f"{name}[{k}]: expected 0, difference {numeric}"
                zero_noise = max(zero_noise or 0.0, abs(numeric))
                continue
            rel = abs(exact - numeric) / max(abs(exact), abs(numeric), FD_FLOOR)
            err = max(err, rel)
        worst[name] = err if zero_noise is None else ("zero", zero_noise)
    loss_ext = forward_extended(model, head, p, tensors["x"], labels_np)
    return worst, loss_ext


def matrix(a):
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    return {"rows": int(a.shape[0]), "cols": int(a.shape[1]),
            "values": [float(v) for v in a.reshape(-1)]}


def make_case(model, head, draws):
    p_np, x_np, labels_np, targets_np = draws
    keys = PLAIN_KEYS if model == "plain" else BN_KEYS
    p = {k: torch.tensor(p_np[k], dtype=torch.float64, requires_grad=True) for k in keys}
    x = torch.tensor(x_np, dtype=torch.float64, requires_grad=True)
    lab_np = labels_np if head == "classifier" else targets_np
    labels = torch.tensor(lab_np, dtype=torch.int64)

    loss, hidden, cells, logits = forward(model, head, p, x, labels)
    names = keys + ["x"]
    grads_list = torch.autograd.grad(loss, [p[k] for k in keys] + [x])
    grads = {n: g.detach() for n, g in zip(names, grads_list)}
    if model == "bn":
        # d loss / d h0 is exactly zero in the BN-LSTM: every row of h_0 is the same learned
        # row h0, so every column of h_0 Wh is constant over the batch and BN(h_0 Wh) is 0
        # whatever h0 is (x_hat = 0 exactly), and h0 reaches nothing else. Autograd returns
        # rounding noise (about 1e-16, from sum_b (dy_b - mean dy) / sqrt(eps)); the fixture
        # stores the exact value 0, which no implementation's noise has to match.
        noise = grads["h0"].abs().max().item()
        assert noise < 1e-14, f"{model}-{head}: d loss/d h0 should vanish, got {noise:.3e}"
        print(f"  {model}-{head:10s} d loss/d h0 is exactly zero in exact arithmetic; "
              f"autograd's rounding noise {noise:.1e} is stored as 0")
        grads["h0"] = torch.zeros_like(grads["h0"])

    worst, loss_ext = finite_difference_check(model, head, {k: p_np[k] for k in keys}, x_np,
                                              lab_np, grads)
    name = f"{model}-{head}"
    loss_gap = abs(float(loss_ext) - loss.item()) / abs(loss.item())
    print(f"  {name:16s} loss: torch float64 {loss.item()!r}, NumPy extended "
          f"{float(loss_ext)!r}, relative difference {loss_gap:.1e}")
    assert loss_gap < 1e-13, f"{name}: the two forward implementations disagree"
    for tensor_name, err in worst.items():
        if isinstance(err, tuple):
            print(f"  {name:16s} d loss/d {tensor_name:8s} exactly 0; the central difference "
                  f"is {err[1]:.1e}")
            continue
        print(f"  {name:16s} d loss/d {tensor_name:8s} worst relative error vs central "
              f"difference: {err:.2e}")
        assert err < FD_TOLERANCE, f"{name}: gradient of {tensor_name} fails the check ({err:.3e})"

    return {
        "name": name,
        "model": model,
        "head": head,
        "sizes": {"T": T, "B": B, "I": I, "H": H, "K": K},
        "inputs": matrix(x_np),
        "labels": [int(v) for v in lab_np],
        "parameters": {k: matrix(p_np[k]) for k in keys},
        "loss": float(loss.item()),
        "hidden": matrix(hidden.detach().numpy()),
        "cells": matrix(cells.detach().numpy()),
        "logits": matrix(logits.detach().numpy()),
        "gradients": {n: matrix(grads[n].numpy()) for n in names},
    }


def dump(obj, indent=0):
    """JSON with one line per number list, so the file stays short and diffable."""
    pad = "  " * indent
    inner = "  " * (indent + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{inner}{json.dumps(k)}: {dump(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in obj):
            return "[" + ", ".join(json.dumps(v) for v in obj) + "]"
        items = [f"{inner}{dump(v, indent + 1)}" for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    if isinstance(obj, float):
        assert np.isfinite(obj)
        return repr(obj)
    return json.dumps(obj)


def main():
    torch.set_num_threads(1)
    draws = draw()
    print(f"torch {torch.__version__}, numpy {np.__version__}; seed {SEED}; "
          f"finite differences: step {FD_STEP}, every entry, tolerance {FD_TOLERANCE}")
    cases = [make_case(m, h, draws) for m in ("plain", "bn", "ln") for h in ("classifier", "lm")]
    document = {
        "description": "LSTM, BN-LSTM (Cooijmans et al. 2017) and LN-LSTM (Ba et al. 2016) "
                       "reference values, float64, "
                       "written by Benchmarks/make_lstm_fixture.py (see its docstring for the "
                       "math and layout).",
        "notes": "BN-LSTM cases: gradients.h0 is stored as exactly 0, its value in exact "
                 "arithmetic (BN of the batch-constant h_0 Wh is identically 0); autograd "
                 "gives rounding noise of about 1e-16 there. Compare it with an absolute "
                 "tolerance.",
        "seed": SEED,
        "epsilon": EPS,
        "gateOrder": "ifog",
        "cases": cases,
    }
    text = dump(document) + "\n"
    # Round-trip: every number reads back bit for bit.
    assert json.loads(text) == json.loads(json.dumps(document))
    path = os.path.normpath(OUTPUT)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    for case in cases:
        print(f"  {case['name']:16s} loss {case['loss']!r}")
    print(f"wrote {path} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
