"""File imports: MRC data-portal exports and generic logger CSV files.

Every import parses and checks the whole file first (bad rows are reported with their
line numbers and reasons, and the file is rejected), then stores it in ONE write job
through ``ingest.write.store_observations`` - the one write path - so that a file is imported
whole or not at all. Each observation carries the receipt ``("import", "<ds>@<µs>")``:
importing a file twice stores nothing twice.

Modules: ``service`` (parse and check a file, then store it), ``mrc`` (the MRC export),
``csvfile`` (a time and a value column of a logger CSV), ``reader`` (lines with their
numbers, progress), ``rows`` (good rows in arrays, bad rows with reasons), ``timezones``
(explicit, never guessed), ``load`` (the one write job).
"""

from cityops.imports.rows import ImportRejected, Problem, Rows

__all__ = ["ImportRejected", "Problem", "Rows"]
