#!/usr/bin/env python3
"""Checks deploy/'s examples without a cluster, Docker or Slurm (python3 stdlib, kubectl, bash).

  deploy/validate.py [BINARY]   exit 0: all good; 1: problems (each printed); 77: kubectl missing,
                                so the manifests could not be read (the rest is still checked)

Kubernetes: `kubectl kustomize` builds each kustomization (a YAML error fails here), and `kubectl
annotate --local -o json` turns the result into JSON offline; then the Job is checked against what
urlsweep and the rest of deploy/ expect: an Indexed Job whose shard count is the same in
completions, parallelism and URLSWEEP_SHARDS, every $(VAR) of its arguments defined, `--shard I/N
--resume --output /out/part-I.parquet`, input and output on mounted volumes that exist (the output a
ReadWriteMany claim, or ReadWriteOnce with the pods kept on one node), non-root as the Dockerfile's
USER, resource requests with --threads equal to the CPU request; collect-pod.yaml mounts the Job's
output claim with the Job's image. Not a schema check against the Kubernetes API (that needs a
cluster, or a validator Debian does not package). Dockerfile: two apt-get install lists, the build
stage's all in tools/install_deps.sh; with BINARY, the runtime stage installs the package of every
library `ldd BINARY` lists and nothing else. Slurm: `bash -n` (and shellcheck when installed), and
the default shard count matching `#SBATCH --array`.

As a module (tests/integration/test_deploy.py): build(kustomization) gives the resources as dicts,
pod_args(job, index) the arguments pod `index` runs urlsweep with, as the kubelet expands them,
image_library_problems(binary) the Dockerfile's missing or unused runtime packages.
"""

import json
import os
import re
import shutil
import subprocess
import sys

DEPLOY = os.path.dirname(os.path.abspath(__file__))
KUSTOMIZATIONS = ("kubernetes/base", "kubernetes/small-list")
SBATCH = os.path.join(DEPLOY, "slurm", "urlsweep.sbatch")
DOCKERFILE = os.path.join(DEPLOY, "docker", "Dockerfile")
COLLECT_POD = os.path.join(DEPLOY, "kubernetes", "collect-pod.yaml")
INSTALL_DEPS = os.path.join(os.path.dirname(DEPLOY), "tools", "install_deps.sh")
# In every Debian image (Priority: required): the runtime stage need not list them.
BASE_PACKAGES = {"libc6", "libgcc-s1"}
# The annotation the Job controller puts the completion index in.
INDEX_FIELD = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
# kubectl reads no cluster here, but a broken kubeconfig must not hang the check.
KUBECTL_TIMEOUT_S = 60
SKIPPED = 77


def build(kustomization):
    """The resources of deploy/<kustomization>, as kubectl builds them, as a list of dicts."""
    path = os.path.join(DEPLOY, kustomization)
    built = subprocess.run(["kubectl", "kustomize", path], capture_output=True, text=True,
                           timeout=KUBECTL_TIMEOUT_S)
    if built.returncode != 0:
        raise ValueError("kubectl kustomize %s: %s" % (kustomization, built.stderr.strip()))
    return to_json(kustomization, built.stdout)


def build_file(path):
    """The resources of one manifest file, as a list of dicts."""
    with open(path) as f:
        return to_json(os.path.basename(path), f.read())


def to_json(name, text):
    """YAML manifests as a list of dicts, through kubectl (no cluster)."""
    # Removing an annotation nobody sets changes nothing; --local prints the objects without a
    # cluster.
    converted = subprocess.run(
        ["kubectl", "annotate", "--local", "-f", "-", "-o", "json", "urlsweep-validate-"],
        input=text, capture_output=True, text=True, timeout=KUBECTL_TIMEOUT_S)
    if converted.returncode != 0:
        raise ValueError("kubectl annotate --local %s: %s" % (name, converted.stderr.strip()))
    decoder = json.JSONDecoder()
    text = converted.stdout
    objects = []
    at = 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return objects
        obj, at = decoder.raw_decode(text, at)
        objects.extend(obj["items"] if obj.get("kind") == "List" else [obj])


def expand(text, env):
    """A container argument as the kubelet expands it: $(NAME) of a defined variable becomes its
    value, $$ a literal $, anything else stays as written."""
    def one(match):
        if match.group(0) == "$$":
            return "$"
        return env.get(match.group(1), match.group(0))
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)", one, text)


def container_env(container, index):
    """The container's variables in pod `index`: literal values, and the completion index."""
    env = {}
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = expand(var["value"], env)
        elif var.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == INDEX_FIELD:
            env[var["name"]] = str(index)
    # Set by the Job controller itself (Kubernetes 1.22+) when the manifest does not.
    env.setdefault("JOB_COMPLETION_INDEX", str(index))
    return env


def pod_args(job, index):
    """The arguments (after the image's ENTRYPOINT, urlsweep) of the Job's pod `index`."""
    container = job["spec"]["template"]["spec"]["containers"][0]
    env = container_env(container, index)
    return [expand(arg, env) for arg in container.get("args", [])]


def flag_value(args, flag):
    """The value after `flag` in args, or None."""
    for i, arg in enumerate(args[:-1]):
        if arg == flag:
            return args[i + 1]
    return None


def dockerfile_user():
    with open(DOCKERFILE) as f:
        for line in f:
            match = re.match(r"\s*USER\s+(\d+):(\d+)\s*$", line)
            if match:
                return int(match.group(1)), int(match.group(2))
    return None


def check_job(name, resources):
    """Problems of the Job in one kustomization's resources."""
    problems = []

    def need(condition, message):
        if not condition:
            problems.append("%s: %s" % (name, message))
        return condition

    jobs = [r for r in resources if r.get("kind") == "Job"]
    if not need(len(jobs) == 1, "expected one Job, found %d" % len(jobs)):
        return problems
    job = jobs[0]
    spec = job["spec"]
    pod = spec["template"]["spec"]
    need(job.get("apiVersion") == "batch/v1", "Job apiVersion is not batch/v1")
    need(spec.get("completionMode") == "Indexed", "completionMode is not Indexed")
    shards = spec.get("completions")
    need(isinstance(shards, int) and shards >= 1, "completions is not a positive integer")
    need(spec.get("parallelism") == shards, "parallelism differs from completions")
    need(isinstance(spec.get("backoffLimitPerIndex"), int), "no backoffLimitPerIndex")
    need(pod.get("restartPolicy") == "Never", "restartPolicy is not Never")
    if not need(len(pod.get("containers", [])) == 1, "expected one container"):
        return problems
    container = pod["containers"][0]
    for rule in spec.get("podFailurePolicy", {}).get("rules", []):
        exit_codes = rule.get("onExitCodes")
        if exit_codes and "containerName" in exit_codes:
            need(exit_codes["containerName"] == container["name"],
                 "podFailurePolicy names container %r" % exit_codes["containerName"])

    # Non-root, as the image's USER.
    security = pod.get("securityContext", {})
    need(security.get("runAsNonRoot") is True, "runAsNonRoot is not true")
    user = dockerfile_user()
    need(user is not None and (security.get("runAsUser"), security.get("runAsGroup")) == user,
         "runAsUser/runAsGroup differ from the Dockerfile's USER %s" % (user,))
    need(container.get("securityContext", {}).get("allowPrivilegeEscalation") is False,
         "allowPrivilegeEscalation is not false")

    # Resources: a CPU request in whole cores, used as --threads.
    requests = container.get("resources", {}).get("requests", {})
    need("cpu" in requests and "memory" in requests, "no cpu and memory requests")
    env = container_env(container, 0)
    need(env.get("URLSWEEP_SHARDS") == str(shards), "URLSWEEP_SHARDS differs from completions")
    args0 = pod_args(job, 0)
    need(flag_value(args0, "--threads") == str(requests.get("cpu")),
         "--threads differs from the CPU request")
    unresolved = [arg for arg in args0 if re.search(r"\$\([^)]*\)", arg)]
    need(not unresolved, "arguments with undefined variables: %s" % unresolved)

    # Each pod: its own shard, resumable, its own part file.
    for index in range(shards if isinstance(shards, int) else 0):
        args = pod_args(job, index)
        need(flag_value(args, "--shard") == "%d/%d" % (index, shards),
             "pod %d: wrong --shard" % index)
        need("--resume" in args, "pod %d: no --resume" % index)
        need(flag_value(args, "--output") == "/out/part-%d.parquet" % index,
             "pod %d: --output is not /out/part-%d.parquet" % (index, index))

    # Volumes: every mount has a volume; input and output lie on mounts; claims and ConfigMaps
    # exist.
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = container.get("volumeMounts", [])
    for mount in mounts:
        need(mount["name"] in volumes, "mount of undefined volume %r" % mount["name"])

    def mount_of(path):
        best = None
        for mount in mounts:
            root = mount["mountPath"].rstrip("/") + "/"
            if path.startswith(root) and (best is None or len(root) > len(best["mountPath"])):
                best = mount
        return best

    claims = {r["metadata"]["name"]: r for r in resources
              if r.get("kind") == "PersistentVolumeClaim"}
    config_maps = {r["metadata"]["name"]: r for r in resources if r.get("kind") == "ConfigMap"}
    input_path = args0[-1] if args0 else ""
    input_mount = mount_of(input_path)
    if need(input_mount is not None, "input %r is on no mounted volume" % input_path):
        need(input_mount.get("readOnly") is True, "the input volume is mounted writable")
        volume = volumes.get(input_mount["name"], {})
        relative = os.path.relpath(input_path, input_mount["mountPath"])
        if "persistentVolumeClaim" in volume:
            claim = claims.get(volume["persistentVolumeClaim"]["claimName"])
            need(claim is not None and set(claim["spec"]["accessModes"]) &
                 {"ReadOnlyMany", "ReadWriteMany"},
                 "the input claim is missing or cannot be mounted by every pod")
        elif "configMap" in volume:
            config_map = config_maps.get(volume["configMap"]["name"], {})
            keys = set(config_map.get("data", {})) | set(config_map.get("binaryData", {}))
            need(relative in keys, "ConfigMap %r has no key %r" % (volume["configMap"]["name"],
                                                                   relative))
        else:
            need(False, "the input volume is neither a claim nor a ConfigMap")
    output_mount = mount_of("/out/part-0.parquet")
    if need(output_mount is not None and not output_mount.get("readOnly"),
            "/out is not a writable mount"):
        volume = volumes.get(output_mount["name"], {})
        claim = claims.get(volume.get("persistentVolumeClaim", {}).get("claimName"))
        modes = set(claim["spec"]["accessModes"]) if claim else set()
        # ReadWriteOnce serves pods of one node only: the Job must then keep its pods on one node.
        together = any(term.get("topologyKey") == "kubernetes.io/hostname" and
                       term.get("labelSelector", {}).get("matchLabels") ==
                       job["spec"]["template"]["metadata"]["labels"]
                       for term in pod.get("affinity", {}).get("podAffinity", {}).get(
                           "requiredDuringSchedulingIgnoredDuringExecution", []))
        need(claim is not None and ("ReadWriteMany" in modes or
                                    ("ReadWriteOnce" in modes and together)),
             "the output volume is neither a ReadWriteMany claim of this kustomization nor a "
             "ReadWriteOnce one with the pods kept on one node")
    return problems


def check_collect_pod(job):
    """Problems of kubernetes/collect-pod.yaml: the Job's image and output claim, read-only."""
    problems = []
    pod = build_file(COLLECT_POD)[0]
    container = pod["spec"]["containers"][0]
    job_image = job["spec"]["template"]["spec"]["containers"][0]["image"]
    if container["image"] != job_image:
        problems.append("collect-pod.yaml: image %s, the Job's is %s" % (container["image"], job_image))
    claims = [v["persistentVolumeClaim"]["claimName"] for v in pod["spec"]["volumes"]
              if "persistentVolumeClaim" in v]
    if claims != ["urlsweep-output"]:
        problems.append("collect-pod.yaml: mounts %s, not the claim urlsweep-output" % claims)
    if pod["metadata"].get("labels", {}) == job["spec"]["template"]["metadata"]["labels"]:
        problems.append("collect-pod.yaml: has the Job's pod labels")
    return problems


def dockerfile_packages():
    """[build stage packages, runtime stage packages]: the apt-get install lists, in order."""
    with open(DOCKERFILE) as f:
        text = f.read()
    lists = []
    for match in re.finditer(r"apt-get install -y --no-install-recommends((?:\s*\\\n\s*[\w.+-]+)+)",
                             text):
        lists.append(re.findall(r"[\w.+-]+", match.group(1)))
    return lists


def install_deps_packages():
    with open(INSTALL_DEPS) as f:
        text = f.read()
    body = re.search(r"^packages=\((.*?)^\)", text, re.M | re.S).group(1)
    return {word for line in body.splitlines() for word in line.split("#")[0].split()}


def check_dockerfile():
    """The build stage installs only packages of tools/install_deps.sh, and two stages exist."""
    problems = []
    lists = dockerfile_packages()
    if len(lists) != 2:
        return ["Dockerfile: expected two apt-get install lists (build, runtime), found %d" % len(lists)]
    extra = sorted(set(lists[0]) - install_deps_packages())
    if extra:
        problems.append("Dockerfile: build packages not in tools/install_deps.sh: %s" % extra)
    return problems


def image_library_problems(binary):
    """Libraries `binary` links against (ldd) whose Debian package the runtime stage does not
    install, directly or as a dependency of a package it lists; and listed packages it does not use."""
    runtime = set(dockerfile_packages()[1])
    libraries = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    paths = re.findall(r"=> (/\S+)", libraries)
    owners = set()
    for path in paths:
        owner = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
        if owner.returncode != 0:  # /lib is a link to /usr/lib: dpkg knows one spelling
            owner = subprocess.run(["dpkg", "-S", os.path.realpath(path)], capture_output=True,
                                   text=True)
        if owner.returncode != 0:
            return ["%s: no Debian package owns %s" % (binary, path)]
        owners.add(owner.stdout.split(":")[0])
    pulled = set()
    for package in runtime:
        depends = subprocess.run(["dpkg-query", "-W", "-f=${Depends} ${Pre-Depends}", package],
                                 capture_output=True, text=True).stdout
        pulled |= set(re.findall(r"(?:^|[,|]\s*)([a-z0-9][a-z0-9.+-]+)", depends))
    problems = ["Dockerfile: the runtime stage lacks %s (%s links against it)" % (p, binary)
                for p in sorted(owners - runtime - pulled - BASE_PACKAGES)]
    problems += ["Dockerfile: the runtime stage installs %s, which %s does not link against" % (
        p, binary) for p in sorted(runtime - owners - {"ca-certificates"})]
    return problems


def check_sbatch():
    problems = []
    syntax = subprocess.run(["bash", "-n", SBATCH], capture_output=True, text=True)
    if syntax.returncode != 0:
        problems.append("urlsweep.sbatch: bash -n: %s" % syntax.stderr.strip())
    if shutil.which("shellcheck"):
        lint = subprocess.run(["shellcheck", SBATCH], capture_output=True, text=True)
        if lint.returncode != 0:
            problems.append("urlsweep.sbatch: shellcheck:\n%s" % lint.stdout.strip())
    with open(SBATCH) as f:
        text = f.read()
    array = re.search(r"^#SBATCH --array=0-(\d+)\s*$", text, re.M)
    default = re.search(r"^shards=\$\{URLSWEEP_SHARDS:-(\d+)\}", text, re.M)
    if not array or not default or int(array.group(1)) + 1 != int(default.group(1)):
        problems.append("urlsweep.sbatch: #SBATCH --array=0-M and the default URLSWEEP_SHARDS "
                        "(M + 1) disagree")
    return problems


def main():
    problems = check_sbatch() + check_dockerfile()
    if len(sys.argv) > 1:  # validate.py BINARY: the image's libraries against the binary's
        problems += image_library_problems(sys.argv[1])
    skipped = False
    if shutil.which("kubectl") is None:
        print("SKIP: kubectl not installed, Kubernetes manifests not checked", file=sys.stderr)
        skipped = True
    else:
        for kustomization in KUSTOMIZATIONS:
            try:
                resources = build(kustomization)
                problems += check_job(kustomization, resources)
                if kustomization == KUSTOMIZATIONS[0]:
                    problems += check_collect_pod(
                        [r for r in resources if r.get("kind") == "Job"][0])
            except (ValueError, KeyError, subprocess.TimeoutExpired) as e:
                problems.append("%s: %s" % (kustomization, e))
    for problem in problems:
        print("FAIL " + problem, file=sys.stderr)
    if problems:
        return 1
    if skipped:
        return SKIPPED
    print("ok: %s, slurm/urlsweep.sbatch" % ", ".join(KUSTOMIZATIONS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
