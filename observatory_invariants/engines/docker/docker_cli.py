"""``docker`` (and ``kind``/``docker compose``) command lines in scripts, workflow ``run:`` steps and Makefile
recipes, read over the statement walk of :mod:`.evaluate`, producing the one model of :mod:`.model`.

What it reads: ``docker build`` / ``docker buildx build`` (a :class:`~.model.Build` with its tags),
``docker tag``/``push``/``pull``/``run``, ``docker manifest create/push``, ``kind load docker-image`` (image
references with their role), ``docker compose -f a -f b`` / ``docker-compose -f …`` (compose files used
together), scripts run by path (``./x.sh``, ``bash x.sh``, ``pwsh -File x.ps1``: where they start), and
``latest`` fallbacks: a ``${X:-latest}`` (or a ``"latest"`` chosen when a VERSION file is missing) that flows
into an image reference or is the fallback of a VERSION-file read.
"""

from __future__ import annotations

import posixpath
import re

from ...parsers.powershell import tokenizer as ps
from ...parsers.shell import lexer as sh
from .evaluate import ROOT, UNKNOWN, Evaluator, Walk, anchor, repo_path
from .model import (BUILT, DEPLOYED, PUBLISHED, RUN, Build, ComposeSet, Discovery, Fallback, ImageRef,
                    Invocation)
from .statements import (Arg, Stmt, code_lines, ps_command_args, ps_statements, ps_text, sh_command_args,
                         sh_statements, tokens_of)

_BUILD_VALUE_OPTIONS = {
    "-f", "--file", "-t", "--tag", "--build-arg", "--target", "--platform", "--label", "--cache-from",
    "--cache-to", "--network", "--progress", "--secret", "--ssh", "-o", "--output", "--iidfile",
    "--add-host", "--build-context", "--builder", "--metadata-file", "--shm-size", "--ulimit", "-m",
    "--memory", "--memory-swap", "--cpu-shares", "--cpu-period", "--cpu-quota", "--cpuset-cpus",
    "--cpuset-mems", "--cgroup-parent", "--isolation", "--annotation", "--attest", "--allow",
    "--security-opt", "-c", "--call", "--provenance", "--sbom", "--squash-from",
}
# docker run / create options that take a value (everything else before the image is a flag)
_RUN_VALUE_OPTIONS = {
    "-a", "--attach", "--add-host", "--annotation", "--blkio-weight", "--blkio-weight-device", "--cap-add",
    "--cap-drop", "--cgroup-parent", "--cgroupns", "--cidfile", "-c", "--cpu-shares", "--cpu-period",
    "--cpu-quota", "--cpu-rt-period", "--cpu-rt-runtime", "--cpus", "--cpuset-cpus", "--cpuset-mems", "--device",
    "--device-cgroup-rule", "--device-read-bps", "--device-read-iops", "--device-write-bps",
    "--device-write-iops", "--dns", "--dns-option", "--dns-search", "--domainname", "-e", "--env", "--env-file",
    "--entrypoint", "--expose", "--gpus", "--group-add", "--health-cmd", "--health-interval",
    "--health-retries", "--health-start-period", "--health-timeout", "-h", "--hostname", "--ip", "--ip6",
    "--ipc", "--isolation", "--kernel-memory", "-l", "--label", "--label-file", "--link", "--link-local-ip",
    "--log-driver", "--log-opt", "--mac-address", "-m", "--memory", "--memory-reservation", "--memory-swap",
    "--memory-swappiness", "--mount", "--name", "--net", "--network", "--net-alias", "--network-alias",
    "--oom-score-adj", "--pid", "--pids-limit", "--platform", "-p", "--publish", "--pull", "--restart",
    "--runtime", "--security-opt", "--shm-size", "--stop-signal", "--stop-timeout", "--storage-opt",
    "--sysctl", "--tmpfs", "-u", "--user", "--ulimit", "--userns", "--uts", "-v", "--volume", "--volume-driver",
    "--volumes-from", "-w", "--workdir",
}
_DOCKER_WORD = re.compile(r"(?:[\w./\\-]*/)?docker(?:\.exe)?", re.I)
_COMPOSE_WORD = re.compile(r"(?:[\w./\\-]*/)?docker-compose(?:\.exe)?", re.I)
_KIND_WORD = re.compile(r"(?:[\w./\\-]*/)?kind(?:\.exe)?", re.I)
_SCRIPT_FILE = re.compile(r"[\w./\\$@{}()-]+\.(?:sh|bash|ps1)", re.I)
_RUNNERS = frozenset(("bash", "sh", "dash", "zsh", "ksh", "pwsh", "powershell", "source", ".", "&"))
FALLBACK_EXPANSION = re.compile(r"\$\{([A-Za-z_]\w*):?[-=]latest\}")
_LATEST_ASSIGNED = re.compile(r"(?:\$?[A-Za-z_]\w*\s*=\s*|\breturn\s+|\?\?\s*|(?:\|\||\belse\b)\s*echo\s+)"
                              r"([\"']?)latest\1(?![\w.-])", re.I)
_VERSION_FILE_TEST = re.compile(r"(?:Test-Path|Get-Content|\bcat\b|\[\s*!?\s*-[fesr]|\btest\s+!?\s*-[fesr]|<)"
                                r"[^\n;|]*version", re.I)
_VERSION_FILE_READ = re.compile(r"(?:Get-Content|\bcat\b|\$\(<|\bhead\b|\bread\b)[^\n;|]*version", re.I)


def scan_script(text: str, *, pwsh: bool, script_dir: str, cwd: str = ".", env: dict | None = None,
                path: str = "<script>", origin: str = "script", line_offset: int = 0, cwd_exact: bool = False,
                script_path: str | None = None, scope: str | None = None) -> Discovery:
    """Every docker build, image reference, compose set, script invocation and ``latest`` fallback of a script.

    ``script_dir`` and ``cwd`` are repo-relative; ``cwd`` is where the script starts (``cwd_exact``: known from
    evidence — the workflow step or recipe that runs it — rather than assumed). ``line_offset`` is added to every
    line (a workflow ``run:`` block); ``scope`` names the CI job or script the image references live in.
    """
    scan = _Scan(path, origin, line_offset, scope or path, pwsh)
    tokens = tokens_of(text, pwsh)
    stmts = ps_statements(tokens) if pwsh else sh_statements(tokens)
    variables: dict = {}
    for name, value in (env or {}).items():
        variables[name.lower() if pwsh else name] = value
    ev = Evaluator(pwsh, anchor(script_dir), variables,
                   script_path=anchor(script_path) if script_path else None)
    walk = Walk(ev, pwsh, anchor(cwd), scan.command, cwd_exact=cwd_exact, on_assign=scan.assignment)
    ev.cwd = walk.cwd
    walk.run(stmts)
    scan.found.fallbacks.extend(scan.fallbacks_of(code_lines(text, tokens, pwsh, keep=_here_doc_image_fallback)))
    return scan.found.dedupe()


def _here_doc_image_fallback(line: str) -> bool:
    """A here-document line that writes an image reference with a ``${X:-latest}`` (a compose or k8s file)."""
    return bool(re.search(r"image:\s*\S*" + FALLBACK_EXPANSION.pattern, line))


class _Scan:
    def __init__(self, path: str, origin: str, offset: int, scope: str, pwsh: bool):
        self.path = path
        self.origin = origin
        self.offset = offset
        self.scope = scope
        self.pwsh = pwsh
        self.found = Discovery()
        self.latest_vars: dict[str, tuple[int, str, bool]] = {}   # name -> (line, text, version_read)
        self.version_vars: set[str] = set()
        self.flows: set[int] = set()                                # fallback lines that reach an image ref
        self._groups = 0

    # -- assignments: which variables carry a latest fallback or a VERSION-file value
    def assignment(self, stmt: Stmt, name: str, raw) -> None:
        text = raw if isinstance(raw, str) else ps_text(raw)
        key = name.lower() if self.pwsh else name
        line = stmt.line + self.offset
        if _VERSION_FILE_READ.search(text):
            self.version_vars.add(key)
        fallback = FALLBACK_EXPANSION.search(text)
        version_read = bool(_VERSION_FILE_READ.search(text)) or any(
            v in self.version_vars for v in self._names_in(text))
        if fallback or (_LATEST_ASSIGNED.search(f"{name}={text}") and version_read):
            if fallback and fallback.group(1) in self.version_vars:
                version_read = True
            self.latest_vars[key] = (line, f"{name}={text}"[:120], version_read)
            return
        for ref in self._names_in(text):
            if ref in self.latest_vars and ref != key:
                self.latest_vars[key] = self.latest_vars[ref]
                return
        self.latest_vars.pop(key, None)

    def _names_in(self, text: str) -> list[str]:
        names = re.findall(r"\$\{?([A-Za-z_]\w*)", text)
        return [n.lower() for n in names] if self.pwsh else names

    def _flow(self, raw_text: str, how: str, line: int) -> str | None:
        """The fallback text behind an image reference written as ``raw_text``, recorded as flowing into it."""
        m = FALLBACK_EXPANSION.search(raw_text)
        if m:
            self.found.fallbacks.append(Fallback(self.path, line, raw_text.strip()[:120], m.group(1),
                                                 m.group(1) in self.version_vars, how))
            return m.group(0)
        for name in self._names_in(raw_text):
            hit = self.latest_vars.get(name)
            if hit is not None:
                fb_line, text, version_read = hit
                self.found.fallbacks.append(Fallback(self.path, fb_line, text, name, version_read, how))
                return text
        return None

    def fallbacks_of(self, lines: list[str]) -> list[Fallback]:
        """VERSION-file fallbacks seen line by line (``if (-not (Test-Path …VERSION)) { $tag = "latest" }``),
        and ``${X:-latest}`` in image lines of expanding here-documents."""
        out: list[Fallback] = []
        recent_test = -100
        version_names: set[str] = set()
        for number, code in enumerate(lines, 1):
            assigned = re.match(r"\s*\$?([A-Za-z_]\w*)\s*=(.*)$", code)
            if assigned and re.search(r"version", assigned.group(2), re.I):
                version_names.add(assigned.group(1).lower())
            if _VERSION_FILE_TEST.search(code) or (
                    re.search(r"Test-Path|\[\s*!?\s*-[fesr]\s|\btest\s+!?\s*-[fesr]\s", code, re.I)
                    and any(n.lower() in version_names for n in re.findall(r"\$\{?([A-Za-z_]\w*)", code))):
                recent_test = number
            line = number + self.offset
            if _here_doc_image_fallback(code):
                out.append(Fallback(self.path, line, code.strip()[:120], None, False, "image: (here-document)"))
                continue
            if _LATEST_ASSIGNED.search(code) and number - recent_test <= 4 and \
                    not re.search(r"\[\[?[^\]]*latest|-eq\s|-ne\s|==", code):
                out.append(Fallback(self.path, line, code.strip()[:120], None, True, None))
        known = {(f.line, f.version_read) for f in self.found.fallbacks}
        for name, (line, text, version_read) in self.latest_vars.items():
            if version_read and (line, True) not in known:
                out.append(Fallback(self.path, line, text, name, True, None))
        return out

    # -- commands
    def command(self, stmt: Stmt, _args, walk: Walk) -> None:
        toks = stmt.toks
        pwsh = self.pwsh
        line = stmt.line + self.offset
        for k, tok in enumerate(toks):
            if tok.kind != (ps.WORD if pwsh else sh.WORD) or (not pwsh and tok.quoted):
                continue
            word = tok.text
            rest = toks[k + 1:]
            if _DOCKER_WORD.fullmatch(word) or _COMPOSE_WORD.fullmatch(word) or _KIND_WORD.fullmatch(word):
                words = ps_command_args(rest) if pwsh else sh_command_args(rest)
                if _DOCKER_WORD.fullmatch(word):
                    self._docker(line, words, walk)
                elif _COMPOSE_WORD.fullmatch(word):
                    self._compose(line, words, walk)
                elif [w.text for w in words[:2]] == ["load", "docker-image"]:
                    for raw in words[2:]:
                        if raw.text.startswith("-"):
                            break
                        self._image(raw, walk, line, "kind load", DEPLOYED, None)
                return
            if k == 0:
                words = ps_command_args(rest) if pwsh else sh_command_args(rest)
                self._invocation(word, words, line, walk)

    def _invocation(self, word: str, words: list[Arg], line: int, walk: Walk) -> None:
        """``./x.sh``, ``bash x.sh``, ``pwsh -File x.ps1``, ``& ./x.ps1``: where the script starts."""
        if word.lower() in _RUNNERS:
            rest = [w for w in words if not w.text.startswith("-")]
            if not rest or not _SCRIPT_FILE.fullmatch(rest[0].text.strip("'\"")):
                return
            value = walk.ev.arg(rest[0])
        elif _SCRIPT_FILE.fullmatch(word) and ("/" in word or "\\" in word):
            value = word
        else:
            return
        if isinstance(value, str):
            self._add_invocation(value, line, walk)

    def _add_invocation(self, value: str, line: int, walk: Walk) -> None:
        if not isinstance(walk.cwd, str) or not walk.cwd_exact:
            return
        script = repo_path(posixpath.join(walk.cwd, value.replace("\\", "/")))
        cwd = repo_path(walk.cwd)
        if script and cwd:
            self.found.invocations.append(Invocation(script, cwd, self.path, line))

    def _compose(self, line: int, words: list[Arg], walk: Walk) -> None:
        files: list[str] = []
        i = 0
        while i < len(words):
            text = words[i].text
            if text in ("-f", "--file") and i + 1 < len(words):
                value = walk.ev.arg(words[i + 1])
                if not isinstance(value, str) or not isinstance(walk.cwd, str):
                    return
                rel = repo_path(posixpath.join(walk.cwd, value))
                if rel is None:
                    return
                files.append(rel)
                i += 2
                continue
            if text.startswith(("--file=", "-f=")):
                return
            if not text.startswith("-"):
                break
            i += 1
        if files:
            self.found.compose_sets.append(ComposeSet(tuple(files), self.path, line))

    def _image(self, raw: Arg, walk: Walk, line: int, how: str, role: str, group: str | None) -> None:
        value = walk.ev.arg(raw)
        via = self._flow(raw.text, how, line)
        if isinstance(value, str) and value:
            self.found.images.append(ImageRef(value, self.path, line, how, role, group, self.scope, False, via))
            return
        # a dynamic name with a literal tag: "${img}:latest", "$($img.Name):latest"
        m = re.search(r":([\w][\w.-]{0,127})[\"']?$", raw.text)
        if m and "$" not in m.group(1) and "/" not in m.group(1):
            self.found.images.append(ImageRef(f"$DYNAMIC:{m.group(1)}", self.path, line, how, role, group,
                                              self.scope, True, via))

    def _docker(self, line: int, words: list[Arg], walk: Walk) -> None:
        if not words:
            return
        first = words[0].text
        second = words[1].text if len(words) > 1 else None
        if first == "compose":
            self._compose(line, words[1:], walk)
            return
        if first in ("buildx", "image", "builder") and second == "build":
            self._build(line, words[2:], walk)
        elif first == "build":
            self._build(line, words[1:], walk)
        elif first == "image" and second in ("tag", "push", "pull"):
            self._image_command(line, words[1:], walk)
        elif first in ("tag", "push", "pull", "run", "create"):
            self._image_command(line, words, walk)
        elif first == "manifest" and second in ("create", "push"):
            # create only assembles a local manifest list; push publishes it
            for raw in [w for w in words[2:] if not w.text.startswith("-")][:1]:
                self._image(raw, walk, line, f"docker manifest {second}", PUBLISHED if second == "push" else BUILT,
                            None)

    def _image_command(self, line: int, words: list[Arg], walk: Walk) -> None:
        verb = words[0].text
        positional: list[Arg] = []
        i = 1
        while i < len(words):
            text = words[i].text
            if text.startswith("-") and text != "-":
                name = text.split("=", 1)[0]
                i += 2 if (verb in ("run", "create") and name in _RUN_VALUE_OPTIONS and "=" not in text) else 1
                continue
            positional.append(words[i])
            if verb in ("run", "create"):
                break               # the rest is the container's command
            i += 1
        if verb == "tag":
            self._groups += 1
            group = f"{self.scope}#tag{self._groups}"
            for raw, role in zip(positional[:2], (BUILT, BUILT)):
                self._image(raw, walk, line, "docker tag", role, group)
            return
        role = {"push": PUBLISHED, "pull": RUN, "run": RUN, "create": RUN}[verb]
        for raw in positional[:1]:
            self._image(raw, walk, line, f"docker {verb}", role, None)

    def _build(self, number: int, words: list[Arg], walk: Walk) -> None:
        ev = walk.ev
        cwd = walk.cwd
        dockerfile_word: Arg | None = None
        target = None
        args: dict[str, str] = {}
        tag_words: list[Arg] = []
        positional: list[Arg] = []
        problems: list[str] = []
        i = 0
        while i < len(words):
            word = words[i]
            option = _option(word)
            if option is None:
                positional.append(word)
                i += 1
                continue
            name, inline = option
            if name not in _BUILD_VALUE_OPTIONS:
                i += 1
                continue
            if inline is not None:
                raw = inline
                i += 1
            else:
                raw = words[i + 1] if i + 1 < len(words) else None
                i += 2
            if raw is None:
                value = ""
                raw_text = ""
            else:
                value = ev.arg(raw) if raw.text or raw.toks else ""
                raw_text = raw.text
            if name in ("-f", "--file"):
                dockerfile_word = raw if raw is not None else Arg([], "", ev.pwsh)
            elif name == "--target":
                target = value if isinstance(value, str) else None
                if value is UNKNOWN:
                    problems.append(f"--target {raw_text}")
            elif name == "--build-arg":
                if isinstance(value, str):
                    key, has_eq, val = value.partition("=")
                    if has_eq:
                        args[key] = val
                else:
                    problems.append(f"--build-arg {raw_text}")
            elif name in ("-t", "--tag") and raw is not None:
                tag_words.append(raw)
        if cwd is UNKNOWN:
            problems.append("the working directory (a cd/Set-Location that is not a literal path)")
        context = None
        relative = False
        if not positional:
            problems.append("no build context argument")
        else:
            ctx_value = ev.arg(positional[-1])
            if ctx_value is UNKNOWN or not isinstance(ctx_value, str):
                problems.append(f"context {positional[-1].text}")
            elif ctx_value == "-" or "://" in ctx_value or ctx_value.startswith("git@"):
                problems.append(f"context {ctx_value} (stdin or a URL, not a folder)")
            elif cwd is not UNKNOWN:
                context = posixpath.normpath(posixpath.join(cwd, ctx_value))
                relative = not ctx_value.startswith("/")
        dockerfile = None
        if dockerfile_word is not None:
            value = ev.arg(dockerfile_word) if dockerfile_word.toks else ""
            if value is UNKNOWN or not isinstance(value, str):
                problems.append(f"-f {dockerfile_word.text}")
            elif value == "-":
                problems.append("-f - (a Dockerfile from stdin)")
            elif cwd is not UNKNOWN:
                dockerfile = posixpath.normpath(posixpath.join(cwd, value.replace("\\", "/")))
                relative = relative or not value.startswith("/")
        elif context is not None:
            dockerfile = posixpath.normpath(posixpath.join(context, "Dockerfile"))
        line = number
        self._groups += 1
        group = f"{self.scope}#build{self._groups}"
        before = len(self.found.images)
        for raw in tag_words:
            self._image(raw, walk, line, "docker build -t", BUILT, group)
        tags = tuple(ref.ref for ref in self.found.images[before:])
        unresolved = None
        ctx_rel = repo_path(context) if context else None
        df_rel = repo_path(dockerfile) if dockerfile else None
        if problems:
            unresolved = "cannot resolve " + "; ".join(problems) + " to a literal value"
        elif ctx_rel is None or df_rel is None:
            unresolved = "its context or Dockerfile lies outside the repository"
        assumed = None
        if unresolved is None and relative and not walk.cwd_exact:
            assumed = f"assuming it starts in {repo_path(ROOT if cwd is UNKNOWN else cwd) or '.'}"
        self.found.builds.append(Build(
            None if unresolved else df_rel, None if unresolved else ctx_rel, self.path, line, self.origin, target,
            tuple(sorted(args.items())), unresolved, tags, assumed=assumed))


def _option(arg: Arg):
    """(option name, inline value or None) when the argument is an option, else None."""
    head = arg.toks[0] if arg.toks else None
    if arg.pwsh and head is not None:
        if head.kind not in (ps.PARAMETER, ps.OPERATOR) or not head.text.startswith("-") or head.text == "-":
            return None
        if len(arg.toks) == 1:
            return head.text, None
        if arg.toks[1].is_op("="):
            rest = arg.toks[2:]
            return head.text, Arg(rest, ps_text(rest) if rest else "", True)
        return arg.text, None
    if not arg.text.startswith("-") or arg.text == "-":
        return None
    name, eq, inline = arg.text.partition("=")
    return name, (Arg(arg.toks, inline, False, skip=arg.skip + len(name) + 1) if eq else None)
