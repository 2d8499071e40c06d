"""Where does veritext spend its time? cProfile over ``triage_many`` on a fixed sample of the shared data.

    .venv/bin/python benchmarks/profile_triage.py [--data-dir ../shared/data] [-n 5000] [--seed 0]
                                                  [--top 25] [--out triage.prof]

Prints the top functions by cumulative and by total (own) time. The ``triage_many`` cache is cleared
first and warm-up happens before profiling, so one-off table building is not counted.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import pstats
import random
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path

from _datasets import DEFAULT_DATA_DIR, load_datasets, source_state


def _clear_caches() -> None:
    """Every cache kept across triage_many calls (older trees have only ``_cached``): timed runs start cold."""
    import veritext.pipeline

    getattr(veritext.pipeline, "clear_caches", veritext.pipeline._cached.cache_clear)()


def _prefixes() -> list[str]:
    """Directory prefixes to cut from file names, longest first (src/, site-packages, stdlib)."""
    paths = sysconfig.get_paths()
    dirs = {str(Path(__file__).resolve().parent.parent / "src"), paths["purelib"], paths["platlib"], paths["stdlib"]}
    return sorted((d.rstrip("/") + "/" for d in dirs), key=len, reverse=True)


_PREFIXES = _prefixes()


def _shorten(line: str) -> str:
    """``/work/main/src/veritext/model/__init__.py:105(f)`` → ``veritext/model/__init__.py:105(f)``."""
    for prefix in _PREFIXES:
        line = line.replace(prefix, "")
    return line


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("-n", type=int, default=5000, help="messages to profile (sampled with --seed)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--out", type=Path, default=None, help="also dump the raw profile (for snakeviz etc.)")
    args = ap.parse_args(argv)

    import veritext
    import veritext.pipeline

    code = source_state()
    texts = [t for d in load_datasets(args.data_dir.resolve()) for t in d.texts]
    sample = random.Random(args.seed).sample(texts, min(args.n, len(texts)))
    for t in sample[:100]:  # warm lazily built tables outside the profile
        veritext.triage(t)
    _clear_caches()

    prof = cProfile.Profile()
    prof.enable()
    collections.deque(veritext.triage_many(sample), maxlen=0)
    prof.disable()
    info = veritext.pipeline._cached.cache_info()
    _clear_caches()
    if args.out:
        prof.dump_stats(args.out)

    print(
        f"profiled triage_many over {len(sample):,} messages ({len(set(sample)):,} unique, "
        f"{info.hits:,} cache hits), seed {args.seed}"
    )
    print(f"code: git {code['git_head']}, src dirty={code['src_dirty']}, src sha256 {code['src_sha256']}")
    for key, title in (("cumulative", "cumulative time"), ("tottime", "total (own) time")):
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        stats.sort_stats(key).print_stats(args.top)
        lines = [_shorten(line) for line in buf.getvalue().splitlines()]
        # Drop pstats' preamble (stats file name, blank lines); keep from the totals line on.
        first = next((i for i, line in enumerate(lines) if "function calls" in line), 0)
        print(f"\n=== top {args.top} by {title} ===")
        print("\n".join(lines[first:]).rstrip())
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
