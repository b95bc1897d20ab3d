"""Statistics of a benchmark with several training seeds: intervals, paired tests, corrections.

Arrays in, numbers out (no files): `intervals` (t-intervals over seeds), `statistics` (what a
table cell is, computed from per-image values under resampling weights), `bootstrap` (the
crossed bootstrap over seeds and images), `paired` (the paired comparison of two rows: effect,
95 % interval, p-value, equivalence), `multiple` (Holm's correction). docs/statistics.md gives
every choice and why.
"""
