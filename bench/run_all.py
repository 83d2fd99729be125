"""Run every benchmark (`bench/bench_*.py`), each in its own process, one table each."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    quick = ["--quick"] if "--quick" in sys.argv else []
    failed = []
    for script in sorted(Path(__file__).parent.glob("bench_*.py")):
        print(f"\n## {script.stem}\n", flush=True)
        if subprocess.run([sys.executable, str(script), *quick]).returncode != 0:
            failed.append(script.stem)
    if failed:
        print(f"\nbenchmarks that failed to run: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
