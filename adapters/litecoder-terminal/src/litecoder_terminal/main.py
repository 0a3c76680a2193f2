"""`litecoder-terminal`: write the LiteCoder-Terminal benchmark as Harbor tasks (Harbor's
adapter flags: --output-dir --limit --overwrite --task-ids)."""

import argparse
import sys
from pathlib import Path

from litecoder_harbor.errors import LitecoderError

from .adapter import LiteCoderTerminalAdapter

# Default output dir: <repo>/datasets/<adapter_id>
DEFAULT_OUTPUT_DIR = Path(__file__).resolve().parents[4] / "datasets" / "litecoder-terminal"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        help="Directory to write generated tasks",
    )
    parser.add_argument("--limit", type=int, default=None, help="Generate only the first N tasks")
    parser.add_argument(
        "--overwrite", action="store_true", help="Replace tasks whose content differs"
    )
    parser.add_argument("--task-ids", nargs="+", default=None, help="Only generate these task IDs")
    args = parser.parse_args()

    adapter = LiteCoderTerminalAdapter(
        args.output_dir,
        overwrite=args.overwrite,
        limit=args.limit,
        task_ids=args.task_ids,
    )
    try:
        adapter.run()
    except LitecoderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
