import sys
from pathlib import Path

# Tests import `tests.helpers`; make the repository root importable when pytest runs from elsewhere.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
