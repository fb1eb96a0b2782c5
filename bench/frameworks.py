"""The MLP and the seed's scalar f(x, y) written for JAX, PyTorch, PyTensor and autograd, each
imported only when installed (none of them is a dependency of symdiff or of its test extras).

Each ``*_mlp(dtype)`` returns ``(fn, seconds to build it)`` where ``fn(**values)`` returns the
loss and the gradients of W1, b1, W2, b2, W3, b3 as NumPy arrays; each ``*_seed()`` returns
``(fn, seconds)`` where ``fn(x, y)`` returns (f, df/dx, df/dy). A framework that is missing gives
``None``.
"""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

NAMES = {"jax": "JAX", "torch": "PyTorch", "pytensor": "PyTensor", "autograd": "autograd"}
PARAMS = ("W1", "b1", "W2", "b2", "W3", "b3")


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _timed(build: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    fn = build()
    return fn, time.perf_counter() - t0


# -- JAX ---------------------------------------------------------------------------------------


def jax_mlp(dtype: str) -> tuple[Callable[..., Any], float] | None:
    if not installed("jax"):
        return None
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)

    def loss(X, labels, W1, b1, W2, b2, W3, b3):  # type: ignore[no-untyped-def]
        h1 = jax.nn.relu(X @ W1 + b1)
        h2 = jax.nn.relu(h1 @ W2 + b2)
        logp = jax.nn.log_softmax(h2 @ W3 + b3, axis=1)
        return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))

    step = jax.jit(jax.value_and_grad(loss, argnums=(2, 3, 4, 5, 6, 7)))

    def fn(X, labels, **ps):  # type: ignore[no-untyped-def]
        value, grads = step(X, labels, *(ps[k] for k in PARAMS))
        return (np.asarray(value), *(np.asarray(g) for g in grads))

    return fn, 0.0  # jit compiles on the first call: the caller times that


def jax_seed() -> tuple[Callable[..., Any], float] | None:
    if not installed("jax"):
        return None
    import jax

    jax.config.update("jax_enable_x64", True)

    def f(x, y):  # type: ignore[no-untyped-def]
        return (x + jax.nn.sigmoid(y)) / (jax.nn.sigmoid(x) + (x + y) ** 2)

    step = jax.jit(jax.value_and_grad(f, argnums=(0, 1)))

    def fn(x, y):  # type: ignore[no-untyped-def]
        value, (dx, dy) = step(x, y)
        return float(value), float(dx), float(dy)

    return fn, 0.0


# -- PyTorch -----------------------------------------------------------------------------------


def torch_mlp(dtype: str) -> tuple[Callable[..., Any], float] | None:
    if not installed("torch"):
        return None
    import torch

    if os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))

    def fn(X, labels, **ps):  # type: ignore[no-untyped-def]
        x, t = torch.from_numpy(X), torch.from_numpy(labels)
        W1, b1, W2, b2, W3, b3 = (torch.from_numpy(ps[k]).requires_grad_() for k in PARAMS)
        h1 = torch.relu(x @ W1 + b1)
        h2 = torch.relu(h1 @ W2 + b2)
        loss = torch.nn.functional.cross_entropy(h2 @ W3 + b3, t)
        grads = torch.autograd.grad(loss, (W1, b1, W2, b2, W3, b3))
        return (loss.detach().numpy(), *(g.numpy() for g in grads))

    return fn, 0.0


def torch_seed() -> tuple[Callable[..., Any], float] | None:
    if not installed("torch"):
        return None
    import torch

    if os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))

    def fn(x, y):  # type: ignore[no-untyped-def]
        xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        yt = torch.tensor(y, dtype=torch.float64, requires_grad=True)
        f = (xt + torch.sigmoid(yt)) / (torch.sigmoid(xt) + (xt + yt) ** 2)
        dx, dy = torch.autograd.grad(f, (xt, yt))
        return f.item(), dx.item(), dy.item()

    return fn, 0.0


# -- PyTensor ----------------------------------------------------------------------------------


def pytensor_mlp(dtype: str) -> tuple[Callable[..., Any], float] | None:
    if not installed("pytensor"):
        return None
    import pytensor
    import pytensor.tensor as pt

    def build():  # type: ignore[no-untyped-def]
        X, labels = pt.matrix("X", dtype=dtype), pt.vector("labels", dtype="int64")
        W1, W2, W3 = (pt.matrix(k, dtype=dtype) for k in ("W1", "W2", "W3"))
        b1, b2, b3 = (pt.vector(k, dtype=dtype) for k in ("b1", "b2", "b3"))
        h1 = pt.maximum(X @ W1 + b1, 0)
        h2 = pt.maximum(h1 @ W2 + b2, 0)
        logp = pt.special.log_softmax(h2 @ W3 + b3, axis=1)
        loss = -pt.mean(logp[pt.arange(X.shape[0]), labels])
        ps = [W1, b1, W2, b2, W3, b3]
        return pytensor.function([X, labels, *ps], [loss, *pt.grad(loss, ps)],
                                 trust_input=True)

    compiled, seconds = _timed(build)

    def fn(X, labels, **ps):  # type: ignore[no-untyped-def]
        return compiled(X, labels, *(ps[k] for k in PARAMS))

    return fn, seconds


def pytensor_seed() -> tuple[Callable[..., Any], float] | None:
    if not installed("pytensor"):
        return None
    import pytensor
    import pytensor.tensor as pt

    def build():  # type: ignore[no-untyped-def]
        x, y = pt.dscalar("x"), pt.dscalar("y")
        sig = pt.sigmoid
        f = (x + sig(y)) / (sig(x) + (x + y) ** 2)
        return pytensor.function([x, y], [f, *pt.grad(f, [x, y])], trust_input=True)

    compiled, seconds = _timed(build)

    def fn(x, y):  # type: ignore[no-untyped-def]
        return compiled(np.asarray(x), np.asarray(y))

    return fn, seconds


# -- autograd ----------------------------------------------------------------------------------


def autograd_mlp(dtype: str) -> tuple[Callable[..., Any], float] | None:
    if not installed("autograd"):
        return None
    import autograd
    import autograd.numpy as anp

    def loss(ps, X, labels):  # type: ignore[no-untyped-def]
        W1, b1, W2, b2, W3, b3 = ps
        h1 = anp.maximum(X @ W1 + b1, 0)
        h2 = anp.maximum(h1 @ W2 + b2, 0)
        z = h2 @ W3 + b3
        z = z - anp.max(z, axis=1, keepdims=True)
        logp = z - anp.log(anp.sum(anp.exp(z), axis=1, keepdims=True))
        return -anp.mean(logp[anp.arange(X.shape[0]), labels])

    step = autograd.value_and_grad(loss)

    def fn(X, labels, **ps):  # type: ignore[no-untyped-def]
        value, grads = step([ps[k] for k in PARAMS], X, labels)
        return (value, *grads)

    return fn, 0.0


def autograd_seed() -> tuple[Callable[..., Any], float] | None:
    if not installed("autograd"):
        return None
    import autograd
    import autograd.numpy as anp

    def f(xy):  # type: ignore[no-untyped-def]
        x, y = xy
        sig = lambda z: 1 / (1 + anp.exp(-z))  # noqa: E731
        return (x + sig(y)) / (sig(x) + (x + y) ** 2)

    step = autograd.value_and_grad(f)

    def fn(x, y):  # type: ignore[no-untyped-def]
        value, (dx, dy) = step((x, y))
        return value, dx, dy

    return fn, 0.0


MLP = {"jax": jax_mlp, "torch": torch_mlp, "pytensor": pytensor_mlp, "autograd": autograd_mlp}
SEED = {"jax": jax_seed, "torch": torch_seed, "pytensor": pytensor_seed, "autograd": autograd_seed}
