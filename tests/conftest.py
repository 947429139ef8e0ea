import sys
from pathlib import Path

# Tests import `tests.helpers`; make the repository root importable when pytest runs from elsewhere.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import os  # noqa: E402
import tempfile  # noqa: E402

# Every CLI run in the suite (in this process and in the subprocesses it starts) uses the run cache, in a folder of
# its own: the suite changes files between runs all the time, so it exercises the cache's invalidation everywhere.
# Never the user's ~/.cache.
os.environ.setdefault("OBSERVATORY_CACHE_DIR", tempfile.mkdtemp(prefix="observatory-test-cache-"))
