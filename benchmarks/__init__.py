"""unspool's benchmark harness: ``python -m benchmarks --help``.

Not a test and not part of the package.  ``workloads`` makes the seeded LLM-shaped texts and
their chunkings; ``contenders`` wraps each parser as "one pass over a prepared chunk list";
``suites`` says which grid of workloads x sizes x chunkings x contenders runs and which
targets it is judged by; ``run`` times them side by side in one process; ``results`` and
``report`` turn the measurements into tables, RESULTS.md, the README section and the plot;
``memory`` streams a long NDJSON text through one Splitter and shows its memory stays flat.

A new workload, contender or suite is one entry in ``WORKLOADS``, ``CONTENDERS`` or
``SUITES``.
"""
