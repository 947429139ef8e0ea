"""Coverage report readers: report content in, per-file counters out (see ``model``).

One module per format; each reader is a pure function of the content, except
``read_coverage_data`` (coverage.py's SQLite data file), which must read the measured sources.
``read_report`` picks the reader. Every problem is a ``CoverageReportError`` naming the file and,
where known, the line.
"""

from .cobertura import read_cobertura, read_coverage_xml
from .coverage_py import read_coverage_data, read_coverage_json
from .go import go_module_path, read_go_profile
from .istanbul import read_istanbul_final, read_istanbul_summary
from .lcov import read_lcov
from .model import MEASUREMENTS, Counter, CoverageReport, CoverageReportError, FileCoverage, format_native, sum_files
from .paths import normalise_path, relative_path, relative_to_folder
from .sniff import FORMATS, read_report, sniff_format
from .tarpaulin import read_tarpaulin_json

__all__ = [
    "FORMATS", "MEASUREMENTS", "Counter", "CoverageReport", "CoverageReportError", "FileCoverage", "format_native",
    "go_module_path", "normalise_path", "read_cobertura", "read_coverage_data", "read_coverage_json",
    "read_coverage_xml", "read_go_profile", "read_istanbul_final", "read_istanbul_summary", "read_lcov",
    "read_report", "read_tarpaulin_json", "relative_path", "relative_to_folder", "sniff_format", "sum_files",
]
