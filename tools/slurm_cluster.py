#!/usr/bin/env python3
"""A one-machine Slurm cluster of its own, for tests (python3 stdlib; Debian's slurm-wlm and munge).

SlurmCluster(DIR).start() starts, all under DIR and all in the foreground of this process:
  munged     with a key, socket, PID and seed file of its own (DIR/munge), not the system's
  slurmctld  the controller, on a free TCP port of 127.0.0.1, state in DIR/state
  slurmd     one compute node, "urlsweep-node" at 127.0.0.1, on another free port, spool in DIR/spool
and writes DIR/slurm.conf; commands given env() (SLURM_CONF=DIR/slurm.conf) talk to this cluster only.
stop() cancels what is still queued or running and stops the three daemons by their PIDs.

The node's CPUs and RealMemory are what `slurmd -C` reports for this machine, as an administrator
would configure them: with SelectTypeParameters=CR_CPU_Memory a job's --mem must fit RealMemory
(Slurm's default RealMemory is 1 MB, which refuses any --mem), and --cpus-per-task must fit CPUs.

No cgroups, no root-only features: ProctrackType=proctrack/linuxproc follows a job's processes
through their parent PIDs, TaskPlugin=task/none binds nothing, and neither accounting nor job
completion records are kept. The daemons run as the current user (SlurmUser and SlurmdUser).
"""

import getpass
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from process_util import die_with_parent, stop_process, tail  # noqa: E402

# How long a daemon may take to answer after it started: they start in under a second, but the machine
# may be loaded.
READY_TIMEOUT_S = 60.0
# How long a stopped daemon may take to exit after SIGTERM before it gets SIGKILL.
STOP_TIMEOUT_S = 10.0
# How long a client command (sbatch, squeue, scontrol, scancel) may take: it asks slurmctld on
# loopback, which answers in milliseconds unless it is gone.
CLIENT_TIMEOUT_S = 30.0
POLL_S = 0.2
NODE_NAME = "urlsweep-node"
PARTITION = "test"
# The programs a cluster needs (Debian: slurm-wlm pulls in slurmctld, slurmd and slurm-client; munge).
PROGRAMS = ("munged", "slurmctld", "slurmd", "sbatch", "sinfo", "squeue", "scontrol", "scancel")
# A munge key is 1,024 random bytes (mungekey(8)'s default size).
MUNGE_KEY_BYTES = 1024
# Job states after which a job changes no more (squeue(1), "JOB STATE CODES").
FINAL_STATES = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
                "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE"}


def missing_programs():
    return [p for p in PROGRAMS if shutil.which(p) is None]




def _free_tcp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]




def node_hardware():
    """(CPUs, RealMemory in MB) as `slurmd -C` reports them for this machine."""
    out = subprocess.run(["slurmd", "-C"], capture_output=True, text=True, check=True,
                         timeout=CLIENT_TIMEOUT_S).stdout
    cpus = re.search(r"\bCPUs=(\d+)", out)
    memory = re.search(r"\bRealMemory=(\d+)", out)
    if not cpus or not memory:
        raise RuntimeError("slurmd -C printed no CPUs= and RealMemory=: %r" % out)
    return int(cpus.group(1)), int(memory.group(1))


class SlurmCluster:
    """start() then stop(); stop() is safe after a failed start() and twice."""

    def __init__(self, workdir):
        self.dir = os.path.abspath(workdir)
        self.conf = os.path.join(self.dir, "slurm.conf")
        self.munge_socket = os.path.join(self.dir, "munge", "run", "munge.socket")
        self.procs = {}  # role -> Popen
        self.cpus = None
        self.real_memory_mb = None

    def env(self, extra=None):
        """os.environ for the Slurm commands of this cluster, plus `extra`."""
        env = dict(os.environ)
        # A SLURM_* or SBATCH_* variable of the caller's own cluster or job would change what sbatch does.
        for name in list(env):
            if name.startswith(("SLURM_", "SBATCH_", "SALLOC_", "SRUN_")):
                del env[name]
        env["SLURM_CONF"] = self.conf
        env.update(extra or {})
        return env

    def log(self, role):
        return tail(os.path.join(self.dir, role + ".out"), limit=3000)

    # -- starting ---------------------------------------------------------------------------------

    def _spawn(self, role, argv):
        with open(os.path.join(self.dir, role + ".out"), "ab") as log:
            self.procs[role] = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                                stderr=log, close_fds=True,
                                                preexec_fn=die_with_parent)

    def _wait(self, role, condition, what):
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not condition():
            if self.procs[role].poll() is not None:
                raise RuntimeError("%s exited with status %s:\n%s" % (
                    role, self.procs[role].returncode, self.log(role)))
            if time.monotonic() > deadline:
                raise RuntimeError("%s: no %s after %.0f s:\n%s" % (role, what, READY_TIMEOUT_S,
                                                                     self.log(role)))
            time.sleep(POLL_S)

    def client(self, argv, env=None, cwd=None, timeout=CLIENT_TIMEOUT_S):
        """Runs a Slurm command against this cluster; returns the CompletedProcess (text)."""
        return subprocess.run(argv, capture_output=True, text=True, env=env or self.env(), cwd=cwd,
                              timeout=timeout)

    def _start_munge(self):
        # munged refuses a key readable by others and a socket folder others cannot enter.
        key_dir = os.path.join(self.dir, "munge", "key")
        run_dir = os.path.dirname(self.munge_socket)
        os.makedirs(key_dir, mode=0o700)
        os.makedirs(run_dir, mode=0o755)
        os.chmod(os.path.join(self.dir, "munge"), 0o755)
        key = os.path.join(key_dir, "munge.key")
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(MUNGE_KEY_BYTES))
        self._spawn("munged", ["munged", "--foreground", "--socket=" + self.munge_socket,
                               "--key-file=" + key, "--pid-file=" + os.path.join(run_dir, "pid"),
                               "--seed-file=" + os.path.join(key_dir, "seed"),
                               "--log-file=" + os.path.join(self.dir, "munged.log")])
        self._wait("munged", lambda: os.path.exists(self.munge_socket), "socket")

    def _write_conf(self):
        self.cpus, self.real_memory_mb = node_hardware()
        user = getpass.getuser()
        d = self.dir
        lines = [
            "ClusterName=urlsweeptest",
            # "localhost" is the controller's host whatever this machine is called (slurm.conf(5)).
            "SlurmctldHost=localhost(127.0.0.1)",
            "SlurmctldPort=%d" % _free_tcp_port(),
            "SlurmdPort=%d" % _free_tcp_port(),
            "SlurmUser=%s" % user,
            "SlurmdUser=%s" % user,
            "AuthType=auth/munge",
            "CredType=cred/munge",
            "AuthInfo=socket=%s" % self.munge_socket,
            "StateSaveLocation=%s/state" % d,
            "SlurmdSpoolDir=%s/spool" % d,
            "SlurmctldPidFile=%s/slurmctld.pid" % d,
            "SlurmdPidFile=%s/slurmd.pid" % d,
            "SlurmctldLogFile=%s/slurmctld.log" % d,
            "SlurmdLogFile=%s/slurmd.log" % d,
            # No cgroups: processes are tracked by parent PID, tasks are not bound to CPUs.
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none",
            "SwitchType=switch/none",
            "MpiDefault=none",
            "MailProg=/bin/true",
            # CPUs and memory are consumable: --cpus-per-task and --mem are checked against the node.
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_CPU_Memory",
            "ReturnToService=2",
            "NodeName=%s NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=%d RealMemory=%d State=UNKNOWN"
            % (NODE_NAME, self.cpus, self.real_memory_mb),
            "PartitionName=%s Nodes=ALL Default=YES MaxTime=INFINITE State=UP" % PARTITION,
        ]
        for sub in ("state", "spool"):
            os.makedirs(os.path.join(d, sub))
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    def _node_state(self):
        proc = self.client(["sinfo", "--noheader", "--nodes", NODE_NAME, "--format", "%T"])
        return proc.stdout.strip() if proc.returncode == 0 else ""

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        try:
            self._start_munge()
            self._write_conf()
            self._spawn("slurmctld", ["slurmctld", "-D", "-f", self.conf])
            self._wait("slurmctld", lambda: "UP" in self.client(["scontrol", "ping"]).stdout,
                       "answer to scontrol ping")
            self._spawn("slurmd", ["slurmd", "-D", "-f", self.conf, "-N", NODE_NAME])
            self._wait("slurmd", lambda: self._node_state() == "idle", "idle node")
        except BaseException:
            self.stop()
            raise
        return self

    # -- jobs -------------------------------------------------------------------------------------

    def tasks(self, job_id):
        """{array task id (or None): (state, exit status)} of job `job_id`, from scontrol."""
        proc = self.client(["scontrol", "--oneliner", "show", "job", str(job_id)])
        found = {}
        for line in proc.stdout.splitlines():
            fields = dict(re.findall(r"(\w+)=(\S*)", line))
            if "JobState" in fields:
                task = fields.get("ArrayTaskId")
                found[int(task) if task and task.isdigit() else task] = (
                    fields["JobState"], int(fields.get("ExitCode", "0:0").split(":")[0]))
        return found

    def wait(self, job_id, timeout_s):
        """Waits until every task of `job_id` is in a final state; returns tasks(job_id)."""
        deadline = time.monotonic() + timeout_s
        while True:
            tasks = self.tasks(job_id)
            pending = self.client(["squeue", "--noheader", "--jobs", str(job_id)]).stdout.strip()
            if tasks and not pending and all(s in FINAL_STATES for s, _ in tasks.values()):
                return tasks
            if time.monotonic() > deadline:
                raise AssertionError("job %s not done after %.0f s: %s\nslurmd:\n%s" % (
                    job_id, timeout_s, tasks, self.log("slurmd")))
            time.sleep(POLL_S)

    # -- stopping ---------------------------------------------------------------------------------

    def _stop_one(self, role):
        stop_process(self.procs.pop(role, None), STOP_TIMEOUT_S)

    def stop(self):
        if "slurmctld" in self.procs and self.procs["slurmctld"].poll() is None:
            # Jobs still queued or running (a test that failed midway) end with the cluster.
            try:
                self.client(["scancel", "--full", "--user", getpass.getuser()])
                deadline = time.monotonic() + STOP_TIMEOUT_S
                while (self.client(["squeue", "--noheader"]).stdout.strip()
                       and time.monotonic() < deadline):
                    time.sleep(POLL_S)
            except (OSError, subprocess.TimeoutExpired):
                pass
        for role in ("slurmd", "slurmctld", "munged"):
            self._stop_one(role)
