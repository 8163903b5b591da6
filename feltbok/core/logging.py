"""Structured logs that never carry personal data.

Every record becomes one JSON line: time, level, logger, message, and for a request the method,
path and status — never the query string, the body, headers or cookies. An exception is logged
by its type and the frames of its traceback, without its message: database and validation
errors quote the values that caused them (a name, a nickname, an identity number).
"""

import datetime
import json
import logging
import traceback

MAX_FRAMES = 20


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            entry["method"] = request.method
            entry["path"] = request.path  # no query string: searches carry names
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info and record.exc_info[0] is not None:
            kind, _value, trace = record.exc_info
            frames = traceback.extract_tb(trace)[-MAX_FRAMES:]
            entry["error"] = {
                "type": f"{kind.__module__}.{kind.__qualname__}",
                "frames": [f"{frame.filename}:{frame.lineno} {frame.name}" for frame in frames],
            }
        return json.dumps(entry, ensure_ascii=False)
