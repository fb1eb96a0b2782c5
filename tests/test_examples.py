"""Every example runs in quick mode and checks its own claims (exit status 0 means they held)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.py"))

# what each example must print, beyond exiting 0
CLAIMS = {
    "staged_backprop.py": ["agree to the last digit: True", "def f_and_grad("],
    "gates.py": ["max gate: routes", "add gate: distributes", "mul gate: switches"],
    "circuits.py": ["sig(a*x + b*y + c)", "+0.880797"],
    "svm.py": ["separates the data: True"],
    "deep_chain.py": ["d2z/dw2  symdiff"],
    "mlp.py": ["final test accuracy", "one_hot"],
    "char_rnn.py": ["gradients agree with hand-written BPTT: True | loss falls: True"],
    "constrained.py": ["generated derivatives match hand-written ones and reach the known minima: True"],
    "newton.py": ["its graph and SciPy's rosen agree: True",
                  "Newton with the symbolic Hessian needs fewer iterations than BFGS: True"],
    "stiff_ode.py": [
        "def robertson_jac", "Robertson's generated Jacobian equals central differences (rtol 1e-6): True",
        "Robertson's generated Jacobian equals the evaluator's bit for bit: True",
        "with the generated Jacobian the solver calls Robertson's rhs only to step, "
        "fewer times than with finite differences: True",
        "Robertson's solutions agree with the reference within 100x the tolerance asked: True",
        "the Jacobian is banded: nonzero only within 2 of the diagonal",
        "the Brusselator's generated Jacobian equals central differences (rtol 1e-6): True",
        "the Brusselator's generated Jacobian equals the evaluator's bit for bit: True",
        "the banded Jacobian from five jvps equals the dense one bit for bit: True",
        "with the generated Jacobians the solver calls the Brusselator's rhs only to step, "
        "fewer times than with finite differences: True",
        "the Brusselator's solutions agree with the reference within 100x the tolerance asked: True",
    ],
}


def test_every_example_has_claims():
    assert set(EXAMPLES) == set(CLAIMS)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_runs_and_its_claims_hold(name, tmp_path):
    if name == "mlp.py":
        pytest.importorskip("sklearn")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), "--quick"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for claim in CLAIMS[name]:
        assert claim in done.stdout, f"{name} did not print {claim!r}:\n{done.stdout[-2000:]}"
