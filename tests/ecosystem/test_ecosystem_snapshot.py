"""The ecosystem check itself: this tree's observatory-invariants on the pinned public repositories of
benchmarks/ecosystem/corpus.toml, compared with the judged benchmarks/ecosystem/snapshot.json.

Slow (about a minute on 2 cores) and needs the git mirrors of the corpus (default /work/.mirror, or
OBS_ECOSYSTEM_MIRRORS); CI has neither network nor mirrors, so there it skips and says why.
Deselect with `-m "not slow"`.

It fails when the tool reports an error finding the snapshot does not know (judge it, then
`python benchmarks/ecosystem/run.py --update`) or when a finding judged *real* is no longer reported.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from benchmarks.ecosystem import run as eco


@pytest.mark.slow
def test_ecosystem_snapshot(capsys):
    mirrors = Path(os.environ.get("OBS_ECOSYSTEM_MIRRORS") or eco.DEFAULT_MIRRORS)
    corpus = eco.load_corpus(eco.DEFAULT_CORPUS)
    missing = [f"{r.name} ({r.mirror_dir(mirrors)})" for r in corpus if not (r.mirror_dir(mirrors) / "objects").is_dir()]
    if missing:
        pytest.skip(f"ecosystem mirrors not available ({len(missing)} of {len(corpus)} missing, e.g. "
                    f"{missing[0]}); fetch them or set OBS_ECOSYSTEM_MIRRORS to run the ecosystem check")
    code = eco.main(["check", "--json", "-q"])
    report = json.loads(capsys.readouterr().out)
    assert not report["failures"], report["failures"]
    snapshot = eco.load_snapshot(eco.DEFAULT_SNAPSHOT)
    real_gone = [f for f in report["vanished"] if f.get("verdict") == "real"]

    def show(items):
        return "\n".join(f"  {f['repo']}: {f['path']}:{f.get('line')}: {f['rule']} {f['message'][:120]}"
                         for f in items[:40])

    assert not report["new"], (f"{len(report['new'])} new error finding(s) not in the judged snapshot "
                               f"(judge them, then run.py --update):\n{show(report['new'])}")
    assert not real_gone, f"finding(s) judged real are no longer reported:\n{show(real_gone)}"
    assert code == eco.EXIT_OK
    assert snapshot["findings"] is not None
