"""The tree-memory helper counts what a job holds: a forked copy of a process adds only
its own pages, a child program its whole resident size, a child not yet past its
``exec`` nothing; and it names the processes that made the peak."""

from __future__ import annotations

import os
import sys
import time

import pytest
from process_memory import peak_tree_memory, same_address_space

_HOLD = "import numpy as np, time; x = np.ones({mb} * 125_000); time.sleep(0.5)"


def _command(body: str) -> list[str]:
    return [sys.executable, "-c", body]


def test_a_child_program_adds_its_resident_memory():
    """A small parent runs a program that holds 200 MB: the tree holds at least that."""
    spawning = "import subprocess, sys; subprocess.run([sys.executable, '-c', {!r}])"
    measured = peak_tree_memory(_command(spawning.format(_HOLD.format(mb=200)))).peak_mb
    assert 200 <= measured < 300


def test_the_peak_names_the_processes_that_made_it():
    """The peak's parts add up to it, and the largest is the child holding 200 MB."""
    spawning = "import subprocess, sys; subprocess.run([sys.executable, '-c', {!r}])"
    measured = peak_tree_memory(_command(spawning.format(_HOLD.format(mb=200))))
    assert sum(mb for mb, _ in measured.at_peak) == pytest.approx(measured.peak_mb)
    largest, command = max(measured.at_peak)
    assert largest >= 200
    assert "np.ones(200" in command
    assert f"{measured.peak_mb:.0f} MB" in str(measured)


def test_a_fork_adds_only_the_pages_it_writes():
    """A parent holding 300 MB forks a child that writes 100 MB of its own: the tree holds
    about 400 MB, not the 700 MB a sum of resident sizes reports."""
    body = (
        "import os, time, numpy as np\n"
        "x = np.ones(300 * 125_000)\n"
        "if os.fork() == 0:\n"
        "    y = np.ones(100 * 125_000); time.sleep(0.5); os._exit(0)\n"
        "os.wait()\n"
    )
    measured = peak_tree_memory(_command(body)).peak_mb
    assert 400 <= measured < 550


def test_a_program_started_by_vfork_does_not_count_its_parent_twice():
    """A parent holding 300 MB starts a thousand small programs; :mod:`subprocess`
    starts each with ``vfork``, whose child shares its parent's pages until its ``exec``:
    the tree never holds 600 MB."""
    body = (
        "import subprocess, numpy as np\n"
        "x = np.ones(300 * 125_000)\n"
        "for _ in range(1000): subprocess.run(['true'])\n"
    )
    measured = peak_tree_memory(_command(body))
    assert 300 <= measured.peak_mb < 400, str(measured)


def test_a_process_shares_its_address_space_with_itself_not_with_a_fork():
    """Where Linux tells (``kcmp``), a process and itself share one address space, and
    a forked child has its own copy."""
    me = os.getpid()
    if same_address_space(me, me) is None:
        pytest.skip("kcmp is not available here")
    child = os.fork()
    if child == 0:
        time.sleep(1)
        os._exit(0)
    try:
        assert same_address_space(me, me) is True
        assert same_address_space(me, child) is False
    finally:
        os.waitpid(child, 0)
