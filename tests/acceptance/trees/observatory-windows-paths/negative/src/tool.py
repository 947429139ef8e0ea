import os

DATA_DIR = "C:\\observatory\\data"
SHARE = r"\\fileserver\builds"
