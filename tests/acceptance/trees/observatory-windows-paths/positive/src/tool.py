import os
import re

# The old layout used C:\observatory\data; it is gone.
DATA_DIR = os.path.join(os.path.dirname(__file__), "data")
PATTERN = re.compile(r"\d+\\\w+")
