#!/usr/bin/env python3
"""deploy/'s examples, run as they are written, against the loopback fixtures: the Kubernetes Job's
pods as the kubelet expands their arguments, the Slurm script as a job array on a real one-machine
Slurm cluster started here (tools/slurm_cluster.py), and deploy/README.md's merge step (DuckDB's COPY
and `urlsweep report` over the parts) on real shard outputs. DuckDB reads every result back."""

import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile

import fixtures
from test_report import TOTAL_KEYS, duckdb_numbers, report_data
from test_shards import DuckDb, make_list, sql_string

sys.path.insert(0, os.path.join(fixtures.ROOT, "deploy"))
import validate  # noqa: E402  (deploy/validate.py)
import slurm_cluster  # noqa: E402  (tools/, on the path through fixtures)

# The Kubernetes Job runs 16 pods, each reading all of the list: a smaller list than test_shards'.
LINE_COUNT = 3000
NAME_COUNT = 300
SHARDS = 4
SLURM_SCRIPT = os.path.join(fixtures.ROOT, "deploy", "slurm", "urlsweep.sbatch")
README = os.path.join(fixtures.ROOT, "deploy", "README.md")
# The sbatch script's own request (#SBATCH --cpus-per-task): a node with fewer CPUs gets a request it
# can hold, on sbatch's command line, which overrides the script's directive.
SCRIPT_CPUS = 2
# A 4-task array on one 2-CPU node runs one task at a time; each scans its shard in seconds.
SLURM_JOB_TIMEOUT_S = 180
# deploy/README.md's merge step, run in the folder that holds parts/ (the test checks the README
# shows these very lines).
MERGE_SQL = ("COPY (SELECT * FROM read_parquet('parts/*.parquet') ORDER BY line) "
             "TO 'all.parquet' (FORMAT parquet, COMPRESSION zstd)")
REPORT_COMMAND = "urlsweep report parts/*.parquet -o report.html"
REPORT_TIMEOUT_S = 120


class DeployTestCase(fixtures.FixtureTestCase):
    """A list of LINE_COUNT lines over NAME_COUNT hosts (test_shards.make_list) and checks of parts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lines, cls.kinds = make_list(cls.port, LINE_COUNT, NAME_COUNT, seed=LINE_COUNT)
        cls.expected_lines = [i + 1 for i, kind in enumerate(cls.kinds) if kind != "skip"]

    def write_list(self, folder, name):
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, name)
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "wb") as f:
            f.write("".join(line + "\n" for line in self.lines).encode())
        return path

    def assertPartsHoldEveryLineOnce(self, out, parts):
        files = sorted(os.listdir(out))
        self.assertEqual([f for f in files if f.endswith(".parquet")],
                         sorted("part-%d.parquet" % i for i in range(parts)))
        counts = DuckDb.query(self, "SELECT line, count(*) AS n FROM read_parquet(%s) GROUP BY line"
                              % sql_string(os.path.join(out, "part-*.parquet")))
        self.assertEqual(sorted(int(r["line"]) for r in counts), self.expected_lines)
        self.assertEqual([r for r in counts if int(r["n"]) != 1], [])


class DeployExamplesTest(DeployTestCase):

    def test_manifests_and_script_validate(self):
        proc = subprocess.run([sys.executable, os.path.join(validate.DEPLOY, "validate.py")],
                              capture_output=True, text=True, timeout=300)
        if proc.returncode == validate.SKIPPED:
            self.skipTest(proc.stderr.strip())
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_image_installs_the_libraries_of_the_binary(self):
        # The Dockerfile's runtime stage against `ldd` of the binary under test; a sanitized build's
        # own runtimes (libasan, libubsan) are not the image's.
        problems = validate.check_dockerfile() + [
            p for p in validate.image_library_problems(fixtures.URLSWEEP_BIN)
            if not re.search(r"\blib(asan|ubsan)\d*\b", p)]
        self.assertEqual(problems, [])

    def test_kubernetes_job_pods_cover_the_list(self):
        if shutil.which("kubectl") is None:
            self.skipTest("kubectl not installed: cannot build the manifests")
        DuckDb.require(self)
        job = [r for r in validate.build("kubernetes/base") if r["kind"] == "Job"][0]
        pods = job["spec"]["completions"]
        # The pod's volumes, here: /in and /out become folders of this test.
        volumes = {"/in/": os.path.join(self.tmp, "k8s-in") + "/",
                   "/out/": os.path.join(self.tmp, "k8s-out") + "/"}
        os.makedirs(volumes["/out/"])

        def run_pod(index):
            args = validate.pod_args(job, index)
            for mount, folder in volumes.items():
                args = [folder + arg[len(mount):] if arg.startswith(mount) else arg for arg in args]
            code, out, err, _ = self.run_urlsweep(args)
            self.assertEqual(code, 0, "pod %d: %s" % (index, err))
            self.assertEqual(out, "")

        self.write_list(volumes["/in/"], os.path.basename(validate.pod_args(job, 0)[-1]))
        for index in range(pods):
            run_pod(index)
        self.assertPartsHoldEveryLineOnce(volumes["/out/"], pods)
        # A retried pod (same index, same command) finds its part complete and adds nothing.
        run_pod(0)
        self.assertPartsHoldEveryLineOnce(volumes["/out/"], pods)


class SlurmArrayTest(DeployTestCase):
    """deploy/slurm/urlsweep.sbatch, unedited, submitted with sbatch to a Slurm cluster of this test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cluster = None
        missing = slurm_cluster.missing_programs()
        if missing:
            return  # each test skips, naming them
        # munged wants every folder above its socket enterable by all; mkdtemp's are private.
        cluster_dir = tempfile.mkdtemp(prefix="urlsweep-slurm-")
        os.chmod(cluster_dir, 0o755)
        cls.addClassCleanup(shutil.rmtree, cluster_dir, True)
        cls.cluster = slurm_cluster.SlurmCluster(os.path.join(cluster_dir, "cluster"))
        cls.addClassCleanup(cls.cluster.stop)
        cls.cluster.start()

    def setUp(self):
        if self.cluster is None:
            self.skipTest("Slurm or munge not installed (%s): run tools/install_deps.sh"
                          % ", ".join(slurm_cluster.missing_programs()))
        DuckDb.require(self)

    def submit(self, submit_dir, array, variables):
        """sbatch --array=ARRAY --export=ALL,VARIABLES urlsweep.sbatch --resolver OURS, from
        `submit_dir`, as an operator would; returns the job id once every task has ended."""
        export = ",".join(["ALL"] + ["%s=%s" % item for item in sorted(variables.items())])
        argv = ["sbatch", "--parsable", "--array=" + array, "--export=" + export]
        if self.cluster.cpus < SCRIPT_CPUS:
            argv.append("--cpus-per-task=%d" % self.cluster.cpus)
        argv += [SLURM_SCRIPT, "--resolver", "127.0.0.1:%d" % self.stack.dns_port]
        proc = self.cluster.client(argv, cwd=submit_dir, env=self.cluster.env(fixtures.clean_env()))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        job_id = proc.stdout.strip().split(";")[0]
        self.assertRegex(job_id, r"^\d+$")
        return job_id, self.cluster.wait(job_id, SLURM_JOB_TIMEOUT_S)

    def log(self, submit_dir, job_id, task):
        # #SBATCH --output=%x-%A_%a.log: job name, array job id, task id.
        with open(os.path.join(submit_dir, "urlsweep-%s_%d.log" % (job_id, task))) as f:
            return f.read()

    def test_array_covers_the_list(self):
        shared = os.path.join(self.tmp, "shared")  # every node's view of the shared file system
        input_path = self.write_list(os.path.join(shared, "in"), "urls.txt.gz")
        out = os.path.join(shared, "out")
        submit_dir = os.path.join(shared, "submit")
        os.makedirs(submit_dir)
        variables = {"URLSWEEP_SHARDS": str(SHARDS), "URLSWEEP_INPUT": input_path,
                     "URLSWEEP_OUT": out, "URLSWEEP_BIN": fixtures.URLSWEEP_BIN}

        job_id, tasks = self.submit(submit_dir, "0-%d" % (SHARDS - 1), variables)
        self.assertEqual(tasks, {i: ("COMPLETED", 0) for i in range(SHARDS)},
                         "\n".join(self.log(submit_dir, job_id, i) for i in range(SHARDS)
                                   if os.path.exists(os.path.join(submit_dir, "urlsweep-%s_%d.log"
                                                                  % (job_id, i)))))
        self.assertPartsHoldEveryLineOnce(out, SHARDS)
        # --summary goes to each task's log: together they count every row once.
        rows = [int(re.search(r"^rows: (\d+)$", self.log(submit_dir, job_id, i), re.M).group(1))
                for i in range(SHARDS)]
        self.assertEqual(sum(rows), len(self.expected_lines), rows)

        # Resubmitting one index resumes: its part is complete, nothing is scanned twice.
        again, tasks = self.submit(submit_dir, "2", variables)
        self.assertEqual(tasks, {2: ("COMPLETED", 0)}, self.log(submit_dir, again, 2))
        self.assertPartsHoldEveryLineOnce(out, SHARDS)

        # An index outside the shards fails the task at once, with one line in its log.
        bad, tasks = self.submit(submit_dir, str(SHARDS), variables)
        self.assertEqual(tasks, {SHARDS: ("FAILED", 1)})
        log = self.log(submit_dir, bad, SHARDS)
        self.assertEqual(log.splitlines(), ["urlsweep.sbatch: array index %d is not a shard of "
                                            "URLSWEEP_SHARDS=%d" % (SHARDS, SHARDS)])
        self.assertPartsHoldEveryLineOnce(out, SHARDS)


class MergeTest(DeployTestCase):
    """deploy/README.md's merge step on the parts of `--shard I/4` runs."""

    def test_merge_and_report_of_the_parts(self):
        DuckDb.require(self)
        with open(README) as f:
            readme = f.read()
        self.assertIn(MERGE_SQL, readme)
        self.assertIn(REPORT_COMMAND, readme)
        work = os.path.join(self.tmp, "merge")
        list_path = self.write_list(work, "urls.txt.gz")
        os.makedirs(os.path.join(work, "parts"))
        for index in range(SHARDS):
            code, _, err, _ = self.run_urlsweep(
                ["-q", "--shard", "%d/%d" % (index, SHARDS), "--resume", "-o",
                 os.path.join(work, "parts", "part-%d.parquet" % index), list_path])
            self.assertEqual(code, 0, err)

        # One file, every line once, in input order.
        DuckDb.query(self, MERGE_SQL, cwd=work)
        lines = DuckDb.query(self, "SELECT line FROM read_parquet('all.parquet')", cwd=work)
        self.assertEqual([int(r["line"]) for r in lines], self.expected_lines)

        # One report of the parts (the shell expands the glob, as for an operator), with DuckDB's totals.
        env = fixtures.clean_env({"PATH": os.path.dirname(fixtures.URLSWEEP_BIN) + os.pathsep
                                  + os.environ.get("PATH", "")})
        proc = subprocess.run(["bash", "-c", REPORT_COMMAND], cwd=work, env=env, capture_output=True,
                              text=True, timeout=REPORT_TIMEOUT_S)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(os.path.join(work, "report.html"), encoding="utf-8") as f:
            data = report_data(f.read())
        self.assertEqual(sorted(os.path.basename(s["path"]) for s in data["sources"]),
                         ["part-%d.parquet" % i for i in range(SHARDS)])
        self.assertEqual(data["rows"], len(self.expected_lines))
        parts = [("parquet", os.path.join(work, "parts", "part-%d.parquet" % i)) for i in range(SHARDS)]
        duck = duckdb_numbers(self, parts, data["tls"]["reference"])
        for key in TOTAL_KEYS:
            self.assertEqual(data[key], duck[key], key)
        # The merged file makes the same report.
        proc = subprocess.run([fixtures.URLSWEEP_BIN, "report", "all.parquet", "-o", "-"], cwd=work,
                              capture_output=True, text=True, timeout=REPORT_TIMEOUT_S)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        merged = report_data(proc.stdout)
        for key in TOTAL_KEYS + ("status_codes",):
            self.assertEqual(merged[key], data[key], key)


if __name__ == "__main__":
    fixtures.main()
