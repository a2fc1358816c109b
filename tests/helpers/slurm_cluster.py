"""A single-node SLURM cluster on localhost, from Debian's packages, for tests.

No systemd here: munged, slurmctld and slurmd run in the foreground under ``setsid``,
each with its PID saved, and are stopped by PID. The cluster has no accounting, so
Snakemake's SLURM plugin must query job states with ``squeue``. Its slurm.conf is put
at the default path while it runs (the previous file, if any, is restored): inside a
job Snakemake's SLURM plugin unsets every ``SLURM_*`` variable, ``SLURM_CONF`` too,
so ``srun`` finds the cluster only there.

    python tests/helpers/slurm_cluster.py     # start one, print its SLURM_CONF, stop on Enter
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

PACKAGES = ["munge", "slurmctld", "slurmd", "slurm-client"]
DEFAULT_CONF = Path("/etc/slurm/slurm.conf")


#: Set by `make test-cluster`: this run may install packages, edit /etc and start daemons.
ALLOWED = "PULSESWEEP_TEST_CLUSTER"


def unavailable() -> str | None:
    """Why a cluster cannot be started here, or None if it can."""
    if os.environ.get(ALLOWED) != "1":
        return (
            f"starting SLURM changes the machine (apt, /etc, daemons): run `make "
            f"test-cluster`, which sets {ALLOWED}=1"
        )
    if os.geteuid() != 0:
        return "starting SLURM daemons needs root"
    installed = all(shutil.which(tool) for tool in ("slurmctld", "slurmd", "munged", "sbatch"))
    if not installed and not shutil.which("apt-get"):
        return "SLURM is not installed and there is no apt-get to install it"
    return None


def install() -> None:
    """Install SLURM and munge from Debian's packages if they are missing."""
    if all(shutil.which(tool) for tool in ("slurmctld", "slurmd", "munged", "sbatch")):
        return
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=environment, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES],
        check=True,
        env=environment,
        capture_output=True,
    )


def _wait(check, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise TimeoutError(f"timed out waiting for {what}")


def _succeeds(*command: str, env=None) -> bool:
    return subprocess.run(command, capture_output=True, env=env, check=False).returncode == 0


def _node_name() -> str:
    name = socket.gethostname().split(".")[0]
    try:
        socket.gethostbyname(name)
    except OSError:
        with Path("/etc/hosts").open("a") as hosts:
            hosts.write(f"127.0.0.1 {name}\n")
    return name


def _slurm_conf(folder: Path, node: str) -> str:
    memory = re.search(
        r"RealMemory=(\d+)",
        subprocess.run(["slurmd", "-C"], capture_output=True, text=True, check=True).stdout,
    )[1]
    return f"""\
ClusterName=pulsesweep-test
SlurmctldHost={node}
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=300
SlurmctldPidFile={folder}/slurmctld.pid
SlurmdPidFile={folder}/slurmd.pid
SlurmdSpoolDir={folder}/slurmd
StateSaveLocation={folder}/state
SlurmctldLogFile={folder}/slurmctld.log
SlurmdLogFile={folder}/slurmd.log
NodeName={node} CPUs={os.cpu_count()} RealMemory={memory} State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
"""


def _start(
    command: list[str], log: Path, env: dict[str, str], user: str | None = None
) -> subprocess.Popen:
    with log.open("ab") as output:
        return subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            user=user,
            group=user,
        )


@contextlib.contextmanager
def slurm_cluster(folder: Path) -> Iterator[dict[str, str]]:
    """Start munged, slurmctld and slurmd; yield the environment that reaches them.

    Every daemon started here is stopped by its PID on exit, whatever happens.
    """
    install()
    folder.mkdir(parents=True, exist_ok=True)
    for sub in ("slurmd", "state"):
        (folder / sub).mkdir(exist_ok=True)
    node = _node_name()
    (folder / "slurm.conf").write_text(_slurm_conf(folder, node))
    env = {**os.environ, "SLURM_CONF": str(DEFAULT_CONF)}
    run_munge = Path("/run/munge")
    run_munge.mkdir(exist_ok=True)
    shutil.chown(run_munge, "munge", "munge")
    daemons: list[subprocess.Popen] = []
    # A SIGTERM (a CI time-out, say) must still stop the daemons: exit through `finally`.
    previous_handler = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    DEFAULT_CONF.parent.mkdir(parents=True, exist_ok=True)
    previous = DEFAULT_CONF.read_bytes() if DEFAULT_CONF.exists() else None
    shutil.copyfile(folder / "slurm.conf", DEFAULT_CONF)
    try:
        daemons.append(_start(["munged", "--foreground"], folder / "munged.log", env, user="munge"))
        _wait(lambda: _succeeds("sh", "-c", "munge -n | unmunge"), "munge")
        Path("/run/slurmctld.pid").unlink(missing_ok=True)  # stale after a kill
        daemons.append(_start(["slurmctld", "-D", "-i"], folder / "slurmctld.out", env))
        daemons.append(_start(["slurmd", "-D"], folder / "slurmd.out", env))
        _wait(
            lambda: (
                subprocess.run(
                    ["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, env=env
                ).stdout.strip()
                == "idle"
            ),
            "the node to be idle",
        )
        yield env
    finally:
        for daemon in reversed(daemons):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(daemon.pid, signal.SIGTERM)
        for daemon in reversed(daemons):
            try:
                daemon.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
                daemon.wait()
        if previous is None:
            DEFAULT_CONF.unlink(missing_ok=True)
        else:
            DEFAULT_CONF.write_bytes(previous)
        signal.signal(signal.SIGTERM, previous_handler)


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    import tempfile

    with slurm_cluster(Path(tempfile.mkdtemp(prefix="slurm-"))) as environment:
        print(f"export SLURM_CONF={environment['SLURM_CONF']}")
        input("cluster running; press Enter to stop it\n")
