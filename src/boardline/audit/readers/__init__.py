"""Log readers: Squid, DNS, Boardline decision logs and mail traces into audit tables.

Streaming (memory bounded by a chunk, whatever the file size), gzip by magic
bytes, and never stopped by a bad line: each unusable line becomes a
``read_errors`` row, each line set aside is counted, and every file's totals
reconcile (``lines == used + skipped + errors``). See ``docs/audit.md``.
"""

from boardline.audit.readers.detect import FORMATS, detect_format
from boardline.audit.readers.loader import load_logs
from boardline.audit.readers.summary import ErrorSample, ReadSummary, SourceSummary

__all__ = ["FORMATS", "ErrorSample", "ReadSummary", "SourceSummary", "detect_format", "load_logs"]
