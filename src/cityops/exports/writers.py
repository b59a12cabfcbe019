"""Write exported observations as CSV text or a Parquet file (pyarrow), chunk by chunk.

Columns: ``id, datastream_id, phenomenon_time_start, phenomenon_time_end, result_time,
result, result_quality``. Times are ISO 8601 UTC with ``Z`` in CSV and timestamp[us, UTC]
in Parquet; ``result`` is the number, or the JSON text of a non-numeric result.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:  # pyarrow is heavy (about 0.2 s and 60 MB): imported only to write Parquet
    import pyarrow as pa

HEADER = (
    "id",
    "datastream_id",
    "phenomenon_time_start",
    "phenomenon_time_end",
    "result_time",
    "result",
    "result_quality",
)


@functools.cache
def parquet_schema() -> pa.Schema:
    """The Parquet columns (pyarrow is imported here, on the first Parquet export)."""
    import pyarrow as pa

    return pa.schema(
        [
            ("id", pa.int64()),
            ("datastream_id", pa.int64()),
            ("phenomenon_time_start", pa.timestamp("us", tz="UTC")),
            ("phenomenon_time_end", pa.timestamp("us", tz="UTC")),
            ("result_time", pa.timestamp("us", tz="UTC")),
            ("result", pa.float64()),
            ("result_json", pa.string()),
            ("result_quality", pa.string()),
        ]
    )


def iso(value: datetime | None) -> str:
    """ISO 8601 UTC with ``Z`` (microseconds only when present), '' for None."""
    if value is None:
        return ""
    value = value.astimezone(UTC)
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if value.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return value.strftime(fmt)


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False)


def _result(row: Any) -> str:
    if row.result_number is not None:
        return repr(float(row.result_number))
    return _json(row.result_json)


def csv_chunks(chunks: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text, a header then one piece per chunk of rows."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(HEADER)
    yield buf.getvalue()
    for rows in chunks:
        buf.seek(0)
        buf.truncate()
        out.writerows(
            (
                r.id,
                r.datastream_id,
                iso(r.phenomenon_time_start),
                iso(r.phenomenon_time_end),
                iso(r.result_time),
                _result(r),
                _json(r.result_quality),
            )
            for r in rows
        )
        yield buf.getvalue()


def _batch(rows: list[Any]) -> pa.RecordBatch:
    import pyarrow as pa

    cols = {
        "id": [r.id for r in rows],
        "datastream_id": [r.datastream_id for r in rows],
        "phenomenon_time_start": [r.phenomenon_time_start for r in rows],
        "phenomenon_time_end": [r.phenomenon_time_end for r in rows],
        "result_time": [r.result_time for r in rows],
        "result": [r.result_number for r in rows],
        "result_json": [None if r.result_json is None else _json(r.result_json) for r in rows],
        "result_quality": [
            None if r.result_quality is None else _json(r.result_quality) for r in rows
        ],
    }
    return pa.RecordBatch.from_pydict(cols, schema=parquet_schema())


def write_parquet(
    chunks: Iterable[list[Any]], sink: str | Path | BinaryIO, metadata: dict[str, str] | None = None
) -> int:
    """Write the rows to ``sink`` as Parquet (zstd); returns the number of rows."""
    import pyarrow.parquet as pq

    schema = parquet_schema().with_metadata(
        {k.encode(): v.encode() for k, v in (metadata or {}).items()}
    )
    n = 0
    with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
        for rows in chunks:
            if rows:
                writer.write_batch(_batch(rows).replace_schema_metadata(schema.metadata))
                n += len(rows)
    return n
